package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/uketsuke/uketsuke/storage"
	"github.com/uketsuke/uketsuke/totp"
)

// runStaff manages staff accounts. IDs are digits (the kiosk's login has
// a numeric keypad); PINs are 6–12 digits, stored only as argon2id hashes.
func runStaff(ctx context.Context, g *globals, args []string) error {
	var name, actor string
	fs := flag.NewFlagSet("staff", flag.ContinueOnError)
	fs.StringVar(&name, "name", "", "the staff member's name (add)")
	fs.StringVar(&actor, "by", "", "who makes the change, for the audit log (the OS user is recorded too)")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{"want add, list, totp or disable"}
	}
	s, err := openStore(g)
	if err != nil {
		return err
	}
	defer s.Close()
	switch {
	case args[0] == "list" && len(args) == 1:
		list, err := s.ListStaff(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tSTATE\tCREATED")
		for _, a := range list {
			state := "active"
			switch {
			case a.Disabled:
				state = "disabled"
			case a.LockedUntil != "":
				state = "locked until " + a.LockedUntil
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.ID, a.Name, state, a.CreatedAt)
		}
		return w.Flush()
	case args[0] == "add" && len(args) == 2:
		id := args[1]
		if strings.Trim(id, "0123456789") != "" || len(id) > 8 {
			return usageError{"staff ID: 1 to 8 digits (the kiosk's login has a numeric keypad)"}
		}
		if name == "" {
			return usageError{"--name is required"}
		}
		fmt.Fprintf(g.stderr, "PIN for %s (%d-%d digits): ", id, storage.StaffPINMin, storage.StaffPINMax)
		pin, err := readSecret(os.Stdin)
		fmt.Fprintln(g.stderr)
		if err != nil {
			return fmt.Errorf("read PIN: %w", err)
		}
		if err := storage.CheckStaffPIN(pin); err != nil {
			return usageError{err.Error()}
		}
		if err := s.AddStaff(ctx, id, name, pin, cliActor(actor)); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "staff %s added\n", id)
		return nil
	case args[0] == "totp" && len(args) == 2:
		secret := totp.NewSecret()
		if err := s.SetTOTP(ctx, args[1], secret, cliActor(actor)); err != nil {
			return err
		}
		uri := totp.URI("Uketsuke", args[1], secret)
		q, err := qrcode.New(uri, qrcode.Medium)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "Second factor for %s enrolled: scan this with an authenticator app (6 digits, 30 s)\n%s\n%s\nor type the key: %s\n",
			args[1], q.ToSmallString(false), uri, spaced(secret))
		return nil
	case args[0] == "disable" && len(args) == 2:
		if err := s.DisableStaff(ctx, args[1], cliActor(actor)); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "staff %s disabled\n", args[1])
		return nil
	}
	return usageError{"want add ID --name NAME, list, totp ID, or disable ID"}
}

// spaced groups a key by four characters, for typing.
func spaced(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
