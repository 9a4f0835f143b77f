package subproc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// TempDir creates a directory named <prefix>-<pid>-<random> under os.TempDir. A test
// binary killed before its cleanups ran leaves such directories behind, so TempDir first
// removes those of the same prefix whose process no longer exists.
func TempDir(prefix string) (string, error) {
	removeOrphans(prefix)
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s-%d-", prefix, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("create temporary directory: %w", err)
	}
	return dir, nil
}

// removeOrphans removes directories created by TempDir in processes that have exited.
// Errors are ignored: another process may be removing the same directory.
func removeOrphans(prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"-*-*"))
	for _, d := range dirs {
		pidStr, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), prefix+"-"), "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}
