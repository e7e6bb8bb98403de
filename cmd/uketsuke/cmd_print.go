package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/uketsuke/uketsuke/kiosk"
	prn "github.com/uketsuke/uketsuke/printer"
)

// runPrint is `uketsuke print test`: a sample ticket to the configured
// printer, or its ESC/POS bytes into a file.
func runPrint(ctx context.Context, g *globals, args []string) error {
	var file string
	args, err := parseCommand(g, "print", args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "escpos", "", "write the sample ticket's ESC/POS bytes to FILE instead of printing")
	})
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "test" {
		return usageError{"want test"}
	}
	p := newPrinter(g.cfg)
	t := kiosk.Ticket{VisitID: "print-test", Number: "123", Waiting: 2}
	if file != "" {
		job := p.ticketJob(t)
		if err := os.WriteFile(file, job, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "wrote the sample ticket, %d bytes of ESC/POS, to %s\n", len(job), file)
		return nil
	}
	if !p.enabled() {
		return errors.New("no printer configured: set [printer] device (ESC/POS) or [reception] print_command")
	}
	if d := p.device; d != nil && d.Kind != prn.Command {
		s, err := d.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%s: %s\n", d, s)
	}
	if err := p.PrintTicket(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, "printed a sample ticket (受付番号 123)")
	return nil
}
