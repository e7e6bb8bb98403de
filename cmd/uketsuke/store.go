package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/uketsuke/uketsuke/internal/audithead"

	"github.com/uketsuke/uketsuke/storage"
)

// openStore opens the kiosk database in the data directory.
func openStore(g *globals) (*storage.Store, error) {
	dir, err := g.dataDir()
	if err != nil {
		return nil, err
	}
	keyFile, err := g.cfg.auditKeyFile(g.env)
	if err != nil {
		return nil, configError{err}
	}
	key, created, err := storage.LoadAuditKey(keyFile, true)
	if err != nil {
		return nil, err
	}
	if created {
		g.log.Warn("created a new audit key; keep it outside the data directory's backups", "file", keyFile)
	}
	retry, retryMax, _ := g.cfg.Sync.retry() // validated with the config
	s, err := storage.Open(filepath.Join(dir, "uketsuke.db"), storage.Options{
		KioskID: g.cfg.KioskID, Prefix: g.cfg.Reception.NumberPrefix, Log: g.log, AuditKey: key, RetryAfter: retry, RetryMax: retryMax,
	})
	if err != nil {
		return nil, fmt.Errorf("open the kiosk database: %w", err)
	}
	if s.Recovered != "" {
		fmt.Fprintf(g.stderr, "WARNING: the database was corrupt; it was moved to %s and a new one started. Tell the clinic's IT contact.\n", s.Recovered)
	}
	return s, nil
}

// headPlaces are where the audit chain's head is published and looked for.
func (g *globals) headPlaces() audithead.Places {
	p := audithead.Places{Log: g.log, Syslog: true, Journal: true}
	if keyFile, err := g.cfg.auditKeyFile(g.env); err == nil {
		p.Ledger = filepath.Join(filepath.Dir(keyFile), "audit-heads.jsonl")
	}
	if e := g.cfg.Sync.Export; e != nil {
		p.ExportDir = e.Dir
	}
	return p
}

// publishHead publishes the audit chain's head outside the database; a
// failure is logged and never stops the caller.
func (g *globals) publishHead(ctx context.Context, st *storage.Store) {
	h, err := st.AuditHead(ctx)
	if err == nil {
		err = audithead.Publish(h, g.headPlaces())
	}
	if err != nil {
		g.log.Error("publishing the audit head failed", "err", err)
	}
}

// publishHourly publishes the audit head at start and then every hour
// until ctx ends.
func publishHourly(ctx context.Context, g *globals, st *storage.Store) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		g.publishHead(ctx, st)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
