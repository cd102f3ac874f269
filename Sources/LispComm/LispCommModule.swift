import LispCore
import Comm
/// The bridge between the COMM engine and Lisp.
enum LispCommModule {}
