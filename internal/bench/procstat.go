package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux the bench
// runs on (the kernel fixes it for user space whatever CONFIG_HZ is).
const clockTick = 10 * time.Millisecond

// ProcStats is what /proc says about a process: CPU time used so far (user and system) and resident memory.
// The bench reads it for the servers it starts as child processes, so their memory and CPU are their own.
type ProcStats struct {
	CPU time.Duration
	// RSSKiB is the resident set now (VmRSS), PeakRSSKiB the highest since start or since ResetPeakRSS
	// (VmHWM).
	RSSKiB, PeakRSSKiB int64
}

// ReadProc reads pid's CPU time and memory from /proc.
func ReadProc(pid int) (ProcStats, error) {
	var s ProcStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("error reading the CPU time of process %d: %w", pid, err)
	}
	if s.CPU, err = cpuTime(stat); err != nil {
		return s, fmt.Errorf("error reading the CPU time of process %d: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("error reading the memory of process %d: %w", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmRSS":
			dst = &s.RSSKiB
		case "VmHWM":
			dst = &s.PeakRSSKiB
		default:
			continue
		}
		f := strings.Fields(value) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return s, fmt.Errorf("error reading the memory of process %d: unexpected %s line %q", pid, name, sc.Text())
		}
		if *dst, err = strconv.ParseInt(f[0], 10, 64); err != nil {
			return s, fmt.Errorf("error reading the memory of process %d: %w", pid, err)
		}
	}
	return s, nil
}

// cpuTime returns utime + stime from the contents of /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may contain spaces, so the fields are counted after its closing parenthesis.
func cpuTime(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected stat line %q", stat)
	}
	f := strings.Fields(string(stat[i+1:]))
	// After the name come state (field 3) ... utime (field 14) and stime (field 15).
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("unexpected stat line %q", stat)
	}
	var ticks int64
	for _, k := range []int{utime, stime} {
		n, err := strconv.ParseInt(f[k], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected stat field %q: %w", f[k], err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// ResetPeakRSS sets pid's VmHWM back to its current RSS (clear_refs 5), so the peak of one run can be read
// on its own. It needs the right to write the process's clear_refs (its owner or root).
func ResetPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("error resetting the peak RSS of process %d: %w", pid, err)
	}
	return nil
}
