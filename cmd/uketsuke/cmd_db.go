package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/uketsuke/uketsuke/internal/audithead"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/storage"
)

func runAudit(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 || (args[0] != "verify" && args[0] != "publish" && args[0] != "key") {
		return usageError{"want: audit verify, audit publish or audit key"}
	}
	if args[0] == "key" {
		return auditKey(g)
	}
	s, err := openStore(g)
	if err != nil {
		return err
	}
	defer s.Close()
	if args[0] == "publish" {
		h, err := s.AuditHead(ctx)
		if err != nil {
			return err
		}
		if err := audithead.Publish(h, g.headPlaces()); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "published the audit head: row %d\n", h.Count)
		return nil
	}
	n, err := s.VerifyAudit(ctx)
	var ae *storage.AuditError
	if errors.As(err, &ae) {
		return exitError{1, fmt.Sprintf("TAMPERED (chain): %v (%d rows checked)", ae, n)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "chain: intact, %d rows, keyed\n", n)
	found, ok := audithead.Latest(g.cfg.KioskID, s.DBID(), g.headPlaces())
	if !ok {
		fmt.Fprintln(g.stdout, "published head: none found yet (heads are published at every sync run and hourly)")
		fmt.Fprintf(g.stdout, "audit log intact: %d rows\n", n)
		return nil
	}
	if _, err := s.VerifyAgainst(ctx, found.Head); err != nil {
		return exitError{1, fmt.Sprintf("TAMPERED (published head in %s): %v", found.Source, err)}
	}
	fmt.Fprintf(g.stdout, "published head: matches row %d, published %s (%s)\n", found.Head.Count, found.Head.At.In(wareki.Tokyo).Format("2006-01-02 15:04"), found.Source)
	fmt.Fprintf(g.stdout, "audit log intact: %d rows\n", n)
	return nil
}

func runDB(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("db", flag.ContinueOnError)
	days := fs.Int("days", 0, "retention in days (default: [retention] days)")
	keep := fs.Int("keep", 0, "backup into a folder: how many dated backups to keep (default: [backup] keep)")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{"want backup PATH|DIR or purge"}
	}
	s, err := openStore(g)
	if err != nil {
		return err
	}
	defer s.Close()
	switch {
	case args[0] == "backup" && len(args) == 2:
		path := args[1]
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			n := g.cfg.Backup.Keep
			if *keep != 0 {
				n = *keep
			}
			if n < 1 {
				return usageError{"--keep: at least 1"}
			}
			made, removed, err := backupInto(ctx, s, path, n, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "backed up to %s\n", made)
			for _, old := range removed {
				fmt.Fprintf(g.stdout, "removed the old backup %s\n", old)
			}
			return nil
		}
		if err := s.Backup(ctx, path); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "backed up to %s\n", path)
		return nil
	case args[0] == "purge" && len(args) == 1:
		r := g.cfg.retention()
		if *days != 0 {
			r.Days = *days
		}
		n, err := s.Purge(ctx, r)
		if err != nil {
			return err
		}
		basis := "synced"
		if r.ByAge {
			basis = "registered (no sync is configured)"
		}
		fmt.Fprintf(g.stdout, "purged the personal data of %d visits %s more than %d days ago\n", n, basis, r.Days)
		return nil
	}
	return usageError{"want backup PATH|DIR or purge"}
}

// auditKey creates the audit chain's key when it is missing and says where
// it is; the package's installer runs it as the kiosk's user.
func auditKey(g *globals) error {
	keyFile, err := g.cfg.auditKeyFile(g.env)
	if err != nil {
		return configError{err}
	}
	_, created, err := storage.LoadAuditKey(keyFile, true)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(g.stdout, "created the audit key %s\n", keyFile)
	} else {
		fmt.Fprintf(g.stdout, "audit key %s is in place\n", keyFile)
	}
	return nil
}

// backupPrefix and backupSuffix frame the dated backups in a folder.
const backupPrefix, backupSuffix, backupStamp = "uketsuke-", ".db", "20060102-150405"

// backupInto writes a dated backup into dir and removes all but the keep
// newest dated backups there.
func backupInto(ctx context.Context, s *storage.Store, dir string, keep int, now time.Time) (made string, removed []string, err error) {
	made = filepath.Join(dir, backupPrefix+now.In(wareki.Tokyo).Format(backupStamp)+backupSuffix)
	if err := s.Backup(ctx, made); err != nil {
		return "", nil, err
	}
	names, err := datedBackups(dir)
	if err != nil {
		return made, nil, err
	}
	for _, old := range names[:max(0, len(names)-keep)] {
		if err := os.Remove(old); err != nil {
			return made, removed, fmt.Errorf("remove an old backup: %w", err)
		}
		removed = append(removed, old)
	}
	return made, removed, nil
}

// datedBackups lists dir's dated backups, oldest first.
func datedBackups(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, backupPrefix+"*"+backupSuffix))
	if err != nil {
		return nil, err
	}
	sort.Strings(names) // dated names sort by time
	return names, nil
}

// newestBackup is when the newest dated backup in dir was made; false
// when there is none.
func newestBackup(dir string) (time.Time, bool) {
	names, err := datedBackups(dir)
	for i := len(names) - 1; err == nil && i >= 0; i-- {
		stamp := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(names[i]), backupPrefix), backupSuffix)
		if t, err := time.ParseInLocation(backupStamp, stamp, wareki.Tokyo); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// runBackups makes a backup when the newest in dir is a day old, checking
// every hour, until ctx ends.
func runBackups(ctx context.Context, log *slog.Logger, s *storage.Store, c BackupConfig) {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		log.Error("daily backup: no folder", "dir", c.Dir, "err", err)
	}
	check := func() {
		if last, ok := newestBackup(c.Dir); ok && time.Since(last) < 24*time.Hour {
			return
		}
		made, removed, err := backupInto(ctx, s, c.Dir, c.Keep, time.Now())
		if err != nil {
			log.Error("daily backup failed", "dir", c.Dir, "err", err)
			return
		}
		log.Info("daily backup", "file", made, "removed", len(removed))
	}
	check()
	every(ctx, time.Hour, check)
}

// every runs f at each tick of period until ctx ends.
func every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
