package httpserver

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
	"unsafe"
)

// dropSYNs is a classic BPF socket filter that drops every TCP segment with SYN set and ACK clear (a new
// handshake) and keeps the rest. A socket filter on a TCP socket sees the segment from its TCP header, whose
// flags are byte 13 (SYN 0x02, ACK 0x10).
var dropSYNs = [...]syscall.SockFilter{
	{Code: syscall.BPF_LD | syscall.BPF_B | syscall.BPF_ABS, K: 13},
	{Code: syscall.BPF_ALU | syscall.BPF_AND | syscall.BPF_K, K: 0x12},
	{Code: syscall.BPF_JMP | syscall.BPF_JEQ | syscall.BPF_K, K: 0x02, Jt: 0, Jf: 1},
	{Code: syscall.BPF_RET | syscall.BPF_K, K: 0},
	{Code: syscall.BPF_RET | syscall.BPF_K, K: 0xffffffff},
}

// quiesce makes ln stop completing new TCP handshakes, then waits (while the server goes on accepting)
// until the connections the kernel had already completed have all been accepted, so that closing ln then
// resets none of them. Closing a listener resets every connection still in its accept queue: a client that
// connected a moment earlier, and has sent its request, would get a reset instead of an answer. A client
// whose SYN is dropped now retries it a second later and is refused by then, before it sent anything.
//
// It returns once the accept queue has stayed empty for quiet (long enough for a handshake already under
// way to finish), or after limit; an error when ln is not a TCP socket whose filter and queue can be set
// and read, in which case closing it is as abrupt as before.
func quiesce(ln net.Listener, quiet, limit time.Duration) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return errors.New("not a socket")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("error reaching the listener's socket: %w", err)
	}
	var opErr error
	prog := syscall.SockFprog{Len: uint16(len(dropSYNs)), Filter: &dropSYNs[0]}
	if err := rc.Control(func(fd uintptr) {
		// The syscall package has no typed setsockopt for a filter program (AttachLsf is deprecated).
		_, _, errno := syscall.Syscall6(syscall.SYS_SETSOCKOPT, fd, syscall.SOL_SOCKET, syscall.SO_ATTACH_FILTER,
			uintptr(unsafe.Pointer(&prog)), unsafe.Sizeof(prog), 0) //nolint:gosec // G103: a sock_fprog, as the kernel reads it
		if errno != 0 {
			opErr = errno
		}
	}); err != nil || opErr != nil {
		return fmt.Errorf("error filtering new connections out: %w", errors.Join(err, opErr))
	}
	queued := func() (uint32, error) {
		var info syscall.TCPInfo
		size := uint32(unsafe.Sizeof(info))
		if err := rc.Control(func(fd uintptr) {
			_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
				uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0) //nolint:gosec // G103: a tcp_info, as the kernel writes it
			if errno != 0 {
				opErr = errno
			}
		}); err != nil || opErr != nil {
			return 0, fmt.Errorf("error reading the accept queue: %w", errors.Join(err, opErr))
		}
		// On a listening socket Linux reports the accept queue's length as tcpi_unacked.
		return info.Unacked, nil
	}
	deadline := time.Now().Add(limit)
	emptySince := time.Time{}
	for now := time.Now(); now.Before(deadline); now = time.Now() {
		n, err := queued()
		if err != nil {
			return err
		}
		switch {
		case n > 0:
			emptySince = time.Time{}
		case emptySince.IsZero():
			emptySince = now
		case now.Sub(emptySince) >= quiet:
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}
