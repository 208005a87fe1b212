package devstack

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/cssync/cssync/internal/config"
)

// BuildWorker compiles ./worker into dir and returns the binary's path.
func BuildWorker(dir string) (string, error) { return build(dir, "worker") }

// BuildStarter compiles ./starter into dir and returns the binary's path.
func BuildStarter(dir string) (string, error) { return build(dir, "starter") }

func build(dir, command string) (string, error) {
	bin := filepath.Join(dir, command)
	out, err := exec.Command("go", "build", "-o", bin, "github.com/cssync/cssync/"+command).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the %s: %v\n%s", command, err, out)
	}
	return bin, nil
}

// WorkerProcess is the worker binary running as a child process.
type WorkerProcess struct{ cmd *exec.Cmd }

// StartWorkerProcess runs the worker binary with cfg as its environment; its logs go to out.
func StartWorkerProcess(bin string, cfg config.Worker, out io.Writer) (*WorkerProcess, error) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), Env(cfg)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the worker process: %w", err)
	}
	return &WorkerProcess{cmd: cmd}, nil
}

// PeakRSS is the process's high-water resident set size (VmHWM), in bytes.
func (p *WorkerProcess) PeakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", p.cmd.Process.Pid)
}

// Stop asks the worker to shut down gracefully and waits for it.
func (p *WorkerProcess) Stop() error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.cmd.Wait()
}

// Kill ends the worker at once: no graceful shutdown, in-flight calls abandoned.
func (p *WorkerProcess) Kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}
