/// Loads the standard-library parts written in Lisp (`lisp/prelude/*.lisp`), embedded in the
/// binary by `.ci/embed-prelude.sh` into `PreludeSources.swift` (a test checks they match).
enum Prelude {
    static func load(_ rt: Runtime) {
        for (name, text) in PreludeSources.files {
            do throws(Unwind) {
                try rt.loadSource(text, fileName: "prelude/" + name)
            } catch {
                let msg = "commlisp: error while loading prelude/\(name): \(error)\n"
                rt.stderrStream.writeString(msg)
                rt.stderrStream.finishOutput()
            }
        }
    }
}
