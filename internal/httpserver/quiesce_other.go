//go:build !linux

package httpserver

import (
	"errors"
	"net"
	"time"
)

// quiesce is Linux's alone (a socket filter and the accept queue's length); elsewhere closing the listener
// resets whatever connections are still in its accept queue.
func quiesce(net.Listener, time.Duration, time.Duration) error {
	return errors.New("not supported on this system")
}
