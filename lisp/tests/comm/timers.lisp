;;; mp:make-timer / schedule-timer-relative / unschedule-timer (idle-connection timers of
;;; real-world servers), fired by the driver while the program waits; start-up-server-and-mp.
(defvar *ticks* nil)
(defun ticks () (let ((n 0)) (dolist (x *ticks* n) (when (eq x :tick) (incf n)))))
(defvar *once* (mp:make-timer (lambda (x) (push x *ticks*)) :once))
(defvar *repeat* (mp:make-timer (lambda () (push :tick *ticks*))))
(mp:schedule-timer-relative *once* 0.05)
(mp:schedule-timer-relative *repeat* 0.01 0.01)
(mp:process-wait-with-timeout "ticks" 5 (lambda () (>= (ticks) 3)))
(format t "unschedule repeating: ~s~%" (mp:unschedule-timer *repeat*))
(mp:process-wait-with-timeout "once" 5 (lambda () (member :once *ticks*)))
(format t "once fired: ~s, at least 3 ticks: ~s~%" (not (null (member :once *ticks*))) (>= (ticks) 3))
(format t "unschedule again: ~s~%" (mp:unschedule-timer *repeat*))
;; a timer alone keeps the script alive until it fires
(mp:schedule-timer-relative (mp:make-timer (lambda () (format t "last timer fired~%"))) 0.1)
(format t "start-up-server-and-mp is start-up-server: ~s~%"
        (eq (symbol-function 'comm:start-up-server-and-mp) (symbol-function 'comm:start-up-server)))
