// Command uketsuke is the reception kiosk and its tools. It is the only
// composition root: it loads the configuration and wires the adapters into
// the reception core.
//
// Exit codes: 0 success; 1 failure (for validate: the number is invalid);
// 2 usage error; 3 configuration error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/uketsuke/uketsuke/camera/cardfront/tess"
	_ "github.com/uketsuke/uketsuke/internal/posixlocale" // before the UI toolkit reads the locale
)

// globals are the options every subcommand takes, and its environment.
type globals struct {
	configPath string
	dataDirArg string
	stdout     io.Writer
	stderr     io.Writer
	env        func(string) string

	cfg Config
	log *slog.Logger
}

func (g *globals) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&g.configPath, "config", "", "configuration file (default "+SystemConfigPath+", then $XDG_CONFIG_HOME/uketsuke/config.toml)")
	fs.StringVar(&g.dataDirArg, "data-dir", "", "data directory (default $XDG_DATA_HOME/uketsuke)")
}

// load reads and validates the configuration and sets up logging.
func (g *globals) load() error {
	cfg, err := loadConfig(g.configPath, g.env)
	if err != nil {
		return configError{err}
	}
	level, _ := cfg.logLevel() // validated
	g.cfg = cfg
	g.log = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// dataDir returns the resolved data directory.
func (g *globals) dataDir() (string, error) { return g.cfg.dataDir(g.dataDirArg, g.env) }

// command is one subcommand.
type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, g *globals, args []string) error
	ocr     bool // reads card fronts with Tesseract (see tess.LimitThreads)
}

// commands is the table of subcommands, one record each.
func commands() []*command {
	return []*command{
		{
			name:    "run",
			args:    "[--demo] [--windowed] [--autopilot] [--screenshots DIR] [--ui-map FILE]",
			summary: "run the kiosk screen (default command); --demo adds the virtual card, image camera and eligibility simulator",
			run:     runKiosk,
			ocr:     true,
		},
		{
			name:    "simulate",
			args:    "[--patients N] [--seed S] [--date YYYY-MM-DD]",
			summary: "run simulated patients through the reception flow and print a table",
			run:     runSimulate,
		},
		{
			name:    "validate",
			args:    "insurer|kohi|jukyu NUMBER",
			summary: "check a 保険者番号, 公費負担者番号 or 受給者番号 and its check digit",
			run:     runValidate,
		},
		{
			name:    "card",
			args:    "watch|info|read",
			summary: "the card reader: watch events, show the card without a PIN, read the 基本4情報 with the PIN",
			run:     runCard,
		},
		{
			name:    "cardsim",
			args:    "--persona FILE [--port 35963] [--remove-after N] [--apdu-delay D] [--garbage] [--not-my-number] [--token android|iphone]",
			summary: "put a virtual My Number card into a vsmartcard-vpcd reader (tests and demo only)",
			run:     runCardsim,
		},
		{
			name:    "cardfront",
			args:    "read [--json] IMAGE | eval [--n N] [--seed S] [--json]",
			summary: "read 照合番号B's parts from a photo of a card front; measure the reading on generated photos",
			run:     runCardfront,
			ocr:     true,
		},
		{
			name:    "face",
			args:    "eval --dataset DIR [--cases] [--json] [--models DIR] | verify --chip FILE [--front FILE] --live FILE… [--json] | verify --batch FILE",
			summary: "measure face verification on a labelled image folder; decide one face case (chip photo, card front, live frames)",
			run:     runFace,
			ocr:     true,
		},
		{
			name:    "print",
			args:    "test [--escpos FILE]",
			summary: "print a sample ticket on the configured printer (ESC/POS: its status first), or write its ESC/POS bytes to FILE",
			run:     runPrint,
		},
		{
			name:    "voice",
			args:    "render --out DIR",
			summary: "synthesise every spoken line (Open JTalk for Japanese, espeak-ng for English) into DIR/<key>.<ja|en>.wav",
			run:     runVoice,
		},
		{
			name:    "desk",
			args:    "[--listen ADDR]",
			summary: "the reception desk's web server (HTTPS): the staff console at /desk/ (ID, PIN and TOTP), the waiting-room display at /display, the pages the tickets' QR codes open at /q/<token>",
			run:     runDesk,
		},
		{
			name:    "queue",
			args:    "list [--date YYYY-MM-DD] [--json] | pending | call|done|cancel NUMBER [--date D] [--staff ID]",
			summary: "the day's reception queue: list it, or call, finish or cancel a visit",
			run:     runQueue,
		},
		{
			name: "audit", args: "verify | publish | key", summary: "check the audit log's keyed chain and the last published head; publish the head now; create the audit key when missing (at install)", run: runAudit,
		},
		{
			name: "db", args: "backup PATH | backup DIR [--keep N] | purge [--days N]", summary: "online backup of the kiosk database (into a folder: a dated file, keeping the N newest); purge personal data past retention", run: runDB,
		},
		{
			name:    "eligibility",
			args:    "parse FILE [--json]",
			summary: "read a 資格確認端末 answer file (res/ or face/) and print what it says",
			run:     runEligibility,
		},
		{
			name:    "onshi-sim",
			args:    "--dir DIR --personas FILE [--late D]",
			summary: "play the 資格確認端末 over a shared folder (tests and demo); mode in DIR/sim/mode, face results on DIR/sim/face-<id>",
			run:     runOnshiSim,
		},
		{
			name:    "staff",
			args:    "add ID --name NAME | list | totp ID | disable ID",
			summary: "staff accounts for the kiosk's staff mode (the PIN is read from the terminal or standard input); totp enrols the desk console's second factor (shows the otpauth QR code)",
			run:     runStaff,
		},
		{
			name:    "sync",
			args:    "run | status",
			summary: "hand the visits to the clinic system now ([sync.orca] and/or [sync.export]), or show the last runs and what is pending",
			run:     runSync,
		},
		{
			name:    "doctor",
			args:    "[--json]",
			summary: "check the installation (reader, cameras, models, terminal folder, ORCA, printer, disk, clock, data directory, audit chain); exit 1 when a check fails",
			run:     runDoctor,
		},
		{
			name:    "licences",
			summary: "the licences of what the binary embeds (Noto Sans CJK JP: SIL Open Font License 1.1)",
			run:     runLicences,
		},
		{
			name:    "version",
			summary: "print the version, the config file in use and the data directory",
			run:     runVersion,
		},
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// exitError ends the program with a given code and message, for results
// that are not failures of the program (e.g. an invalid number).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func main() {
	if c := commandOf(os.Args[1:]); c != nil && c.ocr {
		tess.LimitThreads()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// commandOf is the command a command line runs, nil for help or an
// unknown name.
func commandOf(argv []string) *command {
	name := "run"
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		name = argv[0]
	}
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, argv []string, stdout, stderr io.Writer, env func(string) string) int {
	g := &globals{stdout: stdout, stderr: stderr, env: env}
	name := "run"
	if len(argv) > 0 {
		switch {
		case slices.Contains([]string{"help", "-h", "-help", "--help"}, argv[0]):
			usage(stdout)
			return 0
		case !strings.HasPrefix(argv[0], "-"):
			name, argv = argv[0], argv[1:]
		}
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, g, argv)
		var ue usageError
		var ce configError
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "uketsuke %s: %s\nusage: uketsuke %s %s\n", name, ue.msg, name, c.args)
			return 2
		case errors.As(err, &ce):
			fmt.Fprintf(stderr, "uketsuke: %v\n", ce.err)
			return 3
		case errors.As(err, &ee):
			if ee.msg != "" {
				fmt.Fprintln(stdout, ee.msg)
			}
			return ee.code
		case errors.Is(err, context.Canceled):
			return 130
		}
		fmt.Fprintf(stderr, "uketsuke %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(stderr, "uketsuke: unknown command %q\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: uketsuke [command] [--config FILE] [--data-dir DIR] [args]")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s %s\n      %s\n", c.name, c.args, c.summary)
	}
}

// parseFlags parses a subcommand's flags, global ones included, wherever
// they stand among the arguments, loads the configuration, and returns the
// positional arguments.
// parseCommand parses the flags a subcommand's options add (and the
// global ones) and returns the positional arguments.
func parseCommand(g *globals, name string, args []string, add func(*flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	add(fs)
	return parseFlags(g, fs, args)
}

func parseFlags(g *globals, fs *flag.FlagSet, args []string) ([]string, error) {
	g.addFlags(fs)
	fs.SetOutput(g.stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	return pos, g.load()
}
