package main

import (
	"fmt"
	"path/filepath"

	"github.com/uketsuke/uketsuke/storage"
)

// openStore opens the kiosk database in the data directory.
func openStore(g *globals) (*storage.Store, error) {
	dir, err := g.dataDir()
	if err != nil {
		return nil, err
	}
	s, err := storage.Open(filepath.Join(dir, "uketsuke.db"), storage.Options{
		KioskID: g.cfg.KioskID, Prefix: g.cfg.Reception.NumberPrefix, Log: g.log,
	})
	if err != nil {
		return nil, fmt.Errorf("open the kiosk database: %w", err)
	}
	if s.Recovered != "" {
		fmt.Fprintf(g.stderr, "WARNING: the database was corrupt; it was moved to %s and a new one started. Tell the clinic's IT contact.\n", s.Recovered)
	}
	return s, nil
}
