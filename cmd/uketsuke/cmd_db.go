package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/uketsuke/uketsuke/storage"
)

func newAuditCommand() *command {
	return &command{name: "audit", args: "verify", summary: "check the audit log's hash chain; says where it breaks", run: runAudit}
}

func runAudit(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "verify" {
		return usageError{"want: audit verify"}
	}
	s, err := openStore(g)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.VerifyAudit(ctx)
	var ae *storage.AuditError
	if errors.As(err, &ae) {
		return exitError{1, fmt.Sprintf("TAMPERED: %v (%d rows checked)", ae, n)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "audit log intact: %d rows\n", n)
	return nil
}

func newDBCommand() *command {
	return &command{name: "db", args: "backup PATH | purge [--days N]", summary: "online backup of the kiosk database; purge personal data past retention", run: runDB}
}

func runDB(ctx context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("db", flag.ContinueOnError)
	days := fs.Int("days", 0, "retention in days (default: [retention] days)")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{"want backup PATH or purge"}
	}
	s, err := openStore(g)
	if err != nil {
		return err
	}
	defer s.Close()
	switch {
	case args[0] == "backup" && len(args) == 2:
		if err := s.Backup(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "backed up to %s\n", args[1])
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
	return usageError{"want backup PATH or purge"}
}
