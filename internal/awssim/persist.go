package awssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Save writes the whole state to the state file (no-op without WithStateFile).
func (s *Sim) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.statePath == "" {
		return nil
	}
	return s.saveLocked()
}

func (s *Sim) saveLocked() error {
	doc := make(map[string]State, len(s.services))
	for name, svc := range s.services {
		doc[name] = svc.State
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	// Write then rename, so a crash never leaves a half-written file behind.
	tmp, err := os.CreateTemp(filepath.Dir(s.statePath), ".awssim-state-*")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.statePath); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

func (s *Sim) load() error {
	b, err := os.ReadFile(s.statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("decode state %s: %w", s.statePath, err)
	}
	for name, raw := range doc {
		svc, ok := s.services[name]
		if !ok {
			continue // a service this build doesn't have
		}
		svc.State.Reset()
		if err := json.Unmarshal(raw, svc.State); err != nil {
			return fmt.Errorf("decode %s state: %w", name, err)
		}
	}
	return nil
}
