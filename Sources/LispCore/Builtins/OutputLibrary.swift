/// FORMAT, printer extras, streams and files, time and environment functions: registration of this library area's builtins.
enum OutputLibrary {
    static func register(_ rt: Runtime) {
        StreamsLibrary.register(rt)
        FilesLibrary.register(rt)
        TimeLibrary.register(rt)
        ExternalFormatLibrary.register(rt)
        DescribeLibrary.register(rt)
    }
}
