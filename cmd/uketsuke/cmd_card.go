package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/reader"
)

// cardOptions are the flags of card.
type cardOptions struct {
	reader  string
	faceOut string
	trace   bool
}

func (o *cardOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.reader, "reader", "", "reader name substring (default: [card] reader of the config)")
	fs.StringVar(&o.faceOut, "face-out", "", "refused: the chip photo never goes to disk")
	fs.BoolVar(&o.trace, "trace", false, "print every APDU (VERIFY data masked)")
}

func runCard(ctx context.Context, g *globals, args []string) error {
	var o cardOptions
	args, err := parseCommand(g, "card", args, o.addFlags)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usageError{"want one of watch, info, read"}
	}
	if o.faceOut != "" {
		return usageError{"--face-out is refused: the chip photo is personal data and never goes to disk"}
	}
	if o.reader == "" {
		o.reader = g.cfg.Card.Reader
	}
	switch args[0] {
	case "watch":
		return cardWatch(ctx, g, o)
	case "info":
		return cardInfo(g, o)
	case "read":
		return cardRead(g, o, os.Stdin)
	}
	return usageError{fmt.Sprintf("unknown card command %q", args[0])}
}

func cardWatch(ctx context.Context, g *globals, o cardOptions) error {
	w := &reader.Watcher{Match: o.reader, Log: g.log}
	fmt.Fprintf(g.stdout, "watching readers matching %q; Ctrl-C to stop\n", o.reader)
	err := w.Run(ctx, func(e reader.Event) {
		line := fmt.Sprintf("%s  %-14s %s", time.Now().Format("15:04:05.000"), e.Kind, e.Reader)
		switch {
		case e.Kind == reader.CardPresent:
			line += fmt.Sprintf("  ATR % X", e.ATR)
		case e.Err != nil:
			line += "  (" + e.Err.Error() + ")"
		}
		fmt.Fprintln(g.stdout, line)
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// openCard connects to the card in the configured reader.
func openCard(g *globals, o cardOptions) (*reader.Card, func(), error) {
	pc, err := reader.Establish()
	if err != nil {
		return nil, nil, err
	}
	name, err := pc.Pick(o.reader)
	if err != nil {
		_ = pc.Release()
		return nil, nil, err
	}
	var opts reader.Options
	if o.trace {
		opts.Trace = func(cmd, resp []byte) { fmt.Fprintf(g.stderr, "> % X\n< % X\n", cmd, resp) }
	}
	card, err := pc.Connect(name, opts)
	if err != nil {
		_ = pc.Release()
		return nil, nil, err
	}
	return card, func() { _ = card.Close(); _ = pc.Release() }, nil
}

func cardInfo(g *globals, o cardOptions) error {
	card, done, err := openCard(g, o)
	if err != nil {
		return err
	}
	defer done()
	w := g.stdout
	fmt.Fprintf(w, "reader:        %s\nATR:           % X\n", card.Reader(), card.ATR())
	tok, err := card.Token()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "token:         %s\n", tok)
	switch kind, err := reader.TokenKind(tok); {
	case err != nil:
		return err
	case kind == kiosk.TokenAndroid:
		fmt.Fprintln(w, "device:        Android smartphone (スマホ用電子証明書): the certificate opens only after the PIN; no chip photo")
		pinLeft, err := card.AuthPINTries()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "PIN tries:     %s\n", tries(pinLeft, 3))
		return nil
	case kind == kiosk.TokenIPhone:
		fmt.Fprintln(w, "device:        iPhone (スマホ用電子証明書): the phone checks its holder itself; not supported at this kiosk (staff)")
		return nil
	}
	cert, err := card.AuthCertificate()
	if err != nil {
		return err
	}
	status := cert.Status(time.Now())
	notice := map[kiosk.CertStatus]string{
		kiosk.CertOK:       "valid",
		kiosk.CertExpiring: "expires within 3 months: renew at the 市区町村",
		kiosk.CertGrace:    "EXPIRED, usable as 保険証 for 3 months after expiry: renew now",
		kiosk.CertExpired:  "EXPIRED more than 3 months ago: not usable, renew",
	}[status]
	fmt.Fprintf(w, "certificate:   利用者証明用電子証明書, %d bytes\n  sha256:      %x\n  subject:     %s\n  issuer:      %s\n  serial:      %s\n  valid:       %s to %s\n  status:      %s\n",
		len(cert.Raw), sha256.Sum256(cert.Raw), cert.Subject, cert.Issuer, cert.Serial,
		cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly), notice)
	anchors, err := g.anchors(false)
	if err != nil {
		return err
	}
	if chain, err := anchors.VerifyAuth(cert.X509, time.Now()); err != nil {
		fmt.Fprintf(w, "chain: untrusted (%s)\n", strings.TrimPrefix(err.Error(), "untrusted: "))
	} else {
		test := ""
		if chain.Test {
			test = ", TEST hierarchy"
		}
		fmt.Fprintf(w, "chain: verified (%s%s)\n", chain.CA, test)
	}
	pinLeft, err := card.AuthPINTries()
	if err != nil {
		return err
	}
	codeBLeft, err := card.CodeBTries()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "PIN tries:     %s\n照合番号B tries: %s\n", tries(pinLeft, 3), tries(codeBLeft, 10))
	return nil
}

func tries(n, max int) string {
	switch {
	case n < 0:
		return "verified in this session"
	case n == 0:
		return "0 — LOCKED (reset at the 市区町村窓口)"
	}
	return fmt.Sprintf("%d of %d", n, max)
}

// cardRead asks the 券面事項入力補助用 PIN (without echo on a terminal) and
// prints the 基本4情報. It verifies the PIN once; a wrong PIN is reported
// with the tries left and never retried.
func cardRead(g *globals, o cardOptions, in io.Reader) error {
	card, done, err := openCard(g, o)
	if err != nil {
		return err
	}
	defer done()
	left, err := card.TextPINTries()
	if err != nil {
		return err
	}
	if left == 0 {
		return errors.New("the 券面事項入力補助用 PIN is locked; reset it at the 市区町村窓口")
	}
	if left == 1 {
		return errors.New("one PIN try left: not risking the lock here; reset at the 市区町村窓口 if unsure")
	}
	fmt.Fprintf(g.stderr, "券面事項入力補助用暗証番号 (4 digits, %s tries left): ", tries(left, 3))
	typed, err := readSecret(in)
	fmt.Fprintln(g.stderr)
	if err != nil {
		return fmt.Errorf("read PIN: %w", err)
	}
	pin, err := kiosk.NewPIN(typed)
	if err != nil {
		return usageError{"the PIN is 4 digits"}
	}
	bi, err := card.BasicInfo(pin, kiosk.CodeB{})
	var pe *kiosk.PINError
	if errors.As(err, &pe) {
		return fmt.Errorf("wrong PIN: %d tries left", pe.Remaining)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "氏名:     %s\n住所:     %s\n生年月日: %s (%s)\n性別:     %s\n",
		bi.Name, bi.Address, bi.Birth, bi.Birth.Wareki(), map[reader.Sex]string{"1": "男", "2": "女", "3": "未設定", "9": "適用不能"}[bi.Sex])
	return nil
}

// readSecret reads a line without echo from a terminal, or plainly from a
// pipe (scripts and tests).
func readSecret(in io.Reader) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		return string(b), err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
