package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Session is a running shell on a Windows pseudo console (ConPTY, Windows
// 10 1809 and later). Read and Write may be called concurrently with each
// other and with Resize and Close.
type Session struct {
	in      *os.File // keystrokes to the console
	out     *os.File // the console's output (VT sequences)
	process windows.Handle
	job     windows.Handle // 0 when the process could not be put in one
	pid     int
	done    chan struct{}
	err     error

	mu  sync.Mutex     // guards hpc against Resize racing the close
	hpc windows.Handle // 0 once closed

	consoleOnce sync.Once
	closeOnce   sync.Once
	stop        func() bool
}

// Start starts the shell. Cancelling ctx closes the session.
func Start(ctx context.Context, opts Options) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	if opts.RunAs != nil {
		return nil, fmt.Errorf("shell: run as %s: %w", opts.RunAs.Name, errors.ErrUnsupported)
	}
	if !opts.AllowRoot && windows.GetCurrentProcessToken().IsElevated() {
		return nil, ErrRoot
	}
	args := opts.Command
	if len(args) == 0 {
		args = defaultCommand()
	}
	exe, err := exec.LookPath(args[0])
	if err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}

	// Two pipes: the console reads keystrokes from inR and writes its
	// output to outW; it keeps its own duplicates of both.
	var inR, inW, outR, outW windows.Handle
	if err := windows.CreatePipe(&inR, &inW, nil, 0); err != nil {
		return nil, fmt.Errorf("shell: pipe: %w", err)
	}
	if err := windows.CreatePipe(&outR, &outW, nil, 0); err != nil {
		closeHandles(inR, inW)
		return nil, fmt.Errorf("shell: pipe: %w", err)
	}
	cols, rows := opts.size()
	var hpc windows.Handle
	err = windows.CreatePseudoConsole(windows.Coord{X: int16(cols), Y: int16(rows)}, inR, outW, 0, &hpc)
	closeHandles(inR, outW)
	if err != nil {
		closeHandles(inW, outR)
		return nil, fmt.Errorf("shell: CreatePseudoConsole: %w", err)
	}
	s := &Session{in: os.NewFile(uintptr(inW), "conpty-in"), out: os.NewFile(uintptr(outR), "conpty-out"),
		hpc: hpc, done: make(chan struct{})}

	pi, job, err := spawn(hpc, exe, args, mergeEnv(os.Environ(), opts.Env, true), workDir(opts.Dir))
	if err != nil {
		go io.Copy(io.Discard, s.out) // let the console flush while it closes
		s.closeConsole()
		s.in.Close()
		s.out.Close()
		return nil, err
	}
	s.process, s.job, s.pid = pi.Process, job, int(pi.ProcessId)
	go s.wait()
	// The callback may run at once, on another goroutine: it must not
	// touch s.stop, which Close uses.
	s.stop = context.AfterFunc(ctx, func() { s.closeOnce.Do(s.shutdown) })
	return s, nil
}

// spawn creates the process attached to the pseudo console, suspended
// until it is inside a job object that kills the whole tree when the
// session ends.
func spawn(hpc windows.Handle, exe string, args, env []string, dir string) (*windows.ProcessInformation, windows.Handle, error) {
	attrs, err := windows.NewProcThreadAttributeList(1)
	if err != nil {
		return nil, 0, fmt.Errorf("shell: attribute list: %w", err)
	}
	defer attrs.Delete()
	// The attribute's value is the HPCON itself, not a pointer to it.
	if err := attrs.Update(windows.PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE,
		*(*unsafe.Pointer)(unsafe.Pointer(&hpc)), unsafe.Sizeof(hpc)); err != nil {
		return nil, 0, fmt.Errorf("shell: pseudo console attribute: %w", err)
	}
	si := windows.StartupInfoEx{ProcThreadAttributeList: attrs.List()}
	si.Cb = uint32(unsafe.Sizeof(si))
	// Empty standard handles: without this a child of a process whose own
	// handles are redirected (a service, a test) writes to those instead
	// of the pseudo console.
	si.Flags = windows.STARTF_USESTDHANDLES

	exe16, err := windows.UTF16PtrFromString(exe)
	if err != nil {
		return nil, 0, fmt.Errorf("shell: %w", err)
	}
	cmd16, err := windows.UTF16PtrFromString(windows.ComposeCommandLine(args))
	if err != nil {
		return nil, 0, fmt.Errorf("shell: %w", err)
	}
	dir16, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("shell: %w", err)
	}
	block, err := envBlock(env)
	if err != nil {
		return nil, 0, err
	}
	pi := new(windows.ProcessInformation)
	flags := uint32(windows.EXTENDED_STARTUPINFO_PRESENT | windows.CREATE_UNICODE_ENVIRONMENT | windows.CREATE_SUSPENDED)
	if err := windows.CreateProcess(exe16, cmd16, nil, nil, false, flags, &block[0], dir16, &si.StartupInfo, pi); err != nil {
		return nil, 0, fmt.Errorf("shell: start %s: %w", exe, err)
	}
	defer windows.CloseHandle(pi.Thread)
	job := killOnCloseJob(pi.Process)
	if _, err := windows.ResumeThread(pi.Thread); err != nil {
		windows.TerminateProcess(pi.Process, 1)
		closeHandles(pi.Process, job)
		return nil, 0, fmt.Errorf("shell: resume: %w", err)
	}
	return pi, job, nil
}

// killOnCloseJob puts the process in a new job object that terminates all
// its processes when the last handle to it closes. It returns 0 when that
// is not possible (a parent job that forbids nesting); Close then ends
// only the shell itself.
func killOnCloseJob(process windows.Handle) windows.Handle {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0
	}
	if err := windows.AssignProcessToJobObject(job, process); err != nil {
		windows.CloseHandle(job)
		return 0
	}
	return job
}

// envBlock is a CREATE_UNICODE_ENVIRONMENT block: sorted without regard to
// case, as Windows expects, each entry NUL-terminated, then one more NUL.
func envBlock(env []string) ([]uint16, error) {
	env = slices.Clone(env)
	slices.SortStableFunc(env, func(a, b string) int { return strings.Compare(strings.ToUpper(a), strings.ToUpper(b)) })
	var block []uint16
	for _, kv := range env {
		u, err := windows.UTF16FromString(kv) // fails on an embedded NUL
		if err != nil {
			return nil, fmt.Errorf("shell: environment: %w", err)
		}
		block = append(block, u...)
	}
	if len(block) == 0 {
		block = append(block, 0)
	}
	return append(block, 0), nil
}

// defaultCommand is Windows PowerShell when present, else the command
// interpreter (%ComSpec%, normally cmd.exe).
func defaultCommand() []string {
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		sys = `C:\Windows\System32`
	}
	ps := filepath.Join(sys, "WindowsPowerShell", "v1.0", "powershell.exe")
	if _, err := os.Stat(ps); err == nil {
		return []string{ps, "-NoLogo"}
	}
	if c := os.Getenv("ComSpec"); c != "" {
		if _, err := os.Stat(c); err == nil {
			return []string{c}
		}
	}
	return []string{filepath.Join(sys, "cmd.exe")}
}

func workDir(dir string) string {
	if dir != "" {
		return dir
	}
	if h, err := os.UserHomeDir(); err == nil {
		if fi, err := os.Stat(h); err == nil && fi.IsDir() {
			return h
		}
	}
	return os.Getenv("SystemDrive") + `\`
}

// wait reaps the shell, then closes the pseudo console so that Read
// returns io.EOF once the last output has been read (the console itself
// would otherwise stay open).
func (s *Session) wait() {
	windows.WaitForSingleObject(s.process, windows.INFINITE)
	var code uint32
	if err := windows.GetExitCodeProcess(s.process, &code); err != nil {
		s.err = fmt.Errorf("shell: exit code: %w", err)
	} else if code != 0 {
		s.err = &ExitError{Code: int(code)}
	}
	close(s.done)
	go s.closeConsole()
}

// closeConsole closes the pseudo console once. Until Windows 11 24H2 the
// call waits for its last output to be read.
func (s *Session) closeConsole() {
	s.consoleOnce.Do(func() {
		s.mu.Lock()
		h := s.hpc
		s.hpc = 0
		s.mu.Unlock()
		windows.ClosePseudoConsole(h)
	})
}

// Read reads the console's output. It returns io.EOF after the shell has
// exited and its last output has been read.
func (s *Session) Read(p []byte) (int, error) {
	n, err := s.out.Read(p)
	if err != nil && (errors.Is(err, windows.ERROR_BROKEN_PIPE) || errors.Is(err, os.ErrClosed)) {
		err = io.EOF
	}
	return n, err
}

// Write sends keystrokes to the console.
func (s *Session) Write(p []byte) (int, error) { return s.in.Write(p) }

// Resize sets the console size in character cells.
func (s *Session) Resize(cols, rows uint16) error {
	if cols == 0 || rows == 0 || cols > 32767 || rows > 32767 {
		return fmt.Errorf("shell: resize to %dx%d", cols, rows)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hpc == 0 {
		return fmt.Errorf("shell: resize: %w", os.ErrClosed)
	}
	if err := windows.ResizePseudoConsole(s.hpc, windows.Coord{X: int16(cols), Y: int16(rows)}); err != nil {
		return fmt.Errorf("shell: resize: %w", err)
	}
	return nil
}

// Pid is the shell's process id.
func (s *Session) Pid() int { return s.pid }

// Wait waits for the shell to exit: nil for status 0, an *ExitError
// otherwise.
func (s *Session) Wait() error {
	<-s.done
	return s.err
}

// Close terminates every process of the session (the job object), closes
// the pseudo console and waits for the shell to be reaped. Safe to call
// more than once; call it after Wait too, to end what the shell left
// running.
func (s *Session) Close() error {
	s.stop()
	s.closeOnce.Do(s.shutdown)
	return nil
}

func (s *Session) shutdown() {
	if s.job != 0 {
		windows.TerminateJobObject(s.job, 1)
	} else {
		windows.TerminateProcess(s.process, 1)
	}
	// Keep the output flowing while the console closes, in case no one
	// else is reading.
	go io.Copy(io.Discard, s.out)
	s.closeConsole()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
	s.in.Close()
	s.out.Close()
	closeHandles(s.job, s.process)
}

func closeHandles(hs ...windows.Handle) {
	for _, h := range hs {
		if h != 0 {
			windows.CloseHandle(h)
		}
	}
}
