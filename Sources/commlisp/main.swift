import LispCore
import Glibc

signal(SIGPIPE, SIG_IGN)
let rt = Runtime()
var args = Array(CommandLine.arguments.dropFirst())
do {
    if args.first == "-e" {
        let v = try rt.eval(try rt.readFromString(args[1]))
        print(rt.printString(v))
    } else if let f = args.first {
        try rt.loadSource(readWholeFile(f) ?? "", fileName: f)
    }
    rt.stdoutStream.finishOutput()
} catch {
    rt.stdoutStream.finishOutput()
    print("error: \(error)")
    exit(1)
}
