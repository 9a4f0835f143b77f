package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// write puts the plan on disk all or nothing: every new file is created (never over an
// existing one), then coreFile is replaced; on any failure what was written is removed
// and coreFile restored.
func (p *plan) write(root string) (err error) {
	var created, dirs []string
	var restoreCore []byte
	defer func() {
		if err == nil {
			return
		}
		for _, f := range slices.Backward(created) {
			_ = os.Remove(f)
		}
		for _, d := range slices.Backward(dirs) {
			_ = os.Remove(d) // only empty folders go
		}
		if restoreCore != nil {
			_ = os.WriteFile(filepath.Join(root, filepath.FromSlash(coreFile)), restoreCore, 0o644)
		}
	}()
	for _, f := range p.files {
		name := filepath.Join(root, filepath.FromSlash(f.Path))
		made, err := mkdirs(filepath.Dir(name))
		dirs = append(dirs, made...)
		if err != nil {
			return err
		}
		fh, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("create %s: %w", f.Path, err)
		}
		created = append(created, name)
		_, werr := fh.Write(f.Content)
		if err := errors.Join(werr, fh.Close()); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	core := filepath.Join(root, filepath.FromSlash(coreFile))
	old, err := os.ReadFile(core)
	if err != nil {
		return err
	}
	tmp := core + ".gen-tmp"
	if err := os.WriteFile(tmp, p.edit.Content, 0o644); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", coreFile, err)
	}
	restoreCore = old
	if err := os.Rename(tmp, core); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", coreFile, err)
	}
	return nil
}

// mkdirs creates dir and its missing parents, and returns those it created, outermost
// first.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	slices.Reverse(missing)
	for i, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil {
			return missing[:i], fmt.Errorf("create %s: %w", d, err)
		}
	}
	return missing, nil
}
