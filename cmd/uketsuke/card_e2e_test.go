package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uketsuke/uketsuke/reader/readertest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	binDir, _ = os.MkdirTemp("", "uketsuke-bin-")
	code := readertest.Main(m.Run)
	os.RemoveAll(binDir)
	os.Exit(code)
}

// binary builds the real uketsuke binary once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "uketsuke")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestCardCommandsOverPCSCD runs `uketsuke cardsim` as a process that puts
// the demo persona's card into the vpcd reader, then the card commands as
// separate processes, through real pcscd.
func TestCardCommandsOverPCSCD(t *testing.T) {
	bin := binary(t)
	env := append(os.Environ(), "HOME="+t.TempDir())
	startCardsim(t, bin, env)
	watch := exec.Command(bin, "card", "watch", "--reader", readertest.VPCDReader)
	watch.Env = env
	watchOut, _ := watch.StdoutPipe()
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	guard := time.AfterFunc(15*time.Second, func() { _ = watch.Process.Kill() })
	defer guard.Stop()
	sc := bufio.NewScanner(watchOut)
	seen := false
	for !seen && sc.Scan() {
		seen = strings.Contains(sc.Text(), "card present") && strings.Contains(sc.Text(), "3B E0 00 FF 81 31 FE 45 14")
	}
	_ = watch.Process.Signal(os.Interrupt)
	_ = watch.Wait()
	if !seen {
		t.Fatal("card watch never printed the card")
	}

	run := func(stdin string, args ...string) (string, error) {
		c := exec.Command(bin, args...)
		c.Env = env
		c.Stdin = strings.NewReader(stdin)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	out, err := run("", "card", "info", "--reader", readertest.VPCDReader)
	if err != nil {
		t.Fatalf("card info: %v\n%s", err, out)
	}
	for _, want := range []string{"JPKIAPICCTOKEN2", "利用者証明用電子証明書", "status:      valid", "PIN tries:     3 of 3", "照合番号B tries: 10 of 10",
		"chain: untrusted (issuer \"OU=JPKI for user authentication (Uketsuke virtual card - test only),O=JPKI-UKETSUKE-TEST,C=JP\" is not a trusted 利用者証明用 CA)"} {
		if !strings.Contains(out, want) {
			t.Errorf("card info lacks %q:\n%s", want, out)
		}
	}
	testTrust := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(testTrust, []byte("[card]\ntrust_test_ca = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = run("", "card", "info", "--config", testTrust, "--reader", readertest.VPCDReader)
	if err != nil || !strings.Contains(out, "chain: verified (JPKI-UKETSUKE-TEST / JPKI for user authentication (Uketsuke virtual card - test only), 2020-01-01–2045-01-01, TEST hierarchy)") {
		t.Errorf("card info with the test CA trusted: %v\n%s", err, out)
	}
	out, err = run("1234\n", "card", "read", "--reader", readertest.VPCDReader)
	if err != nil || !strings.Contains(out, "診療　太郎") || !strings.Contains(out, "昭和55年2月17日") {
		t.Fatalf("card read: %v\n%s", err, out)
	}
	if strings.Contains(out, "1234") {
		t.Errorf("card read echoed the PIN:\n%s", out)
	}
	out, err = run("0000\n", "card", "read", "--reader", readertest.VPCDReader)
	if err == nil || !strings.Contains(out, "wrong PIN: 2 tries left") {
		t.Fatalf("wrong PIN: %v\n%s", err, out)
	}
	out, err = run("", "card", "read", "--face-out", "photo.jp2", "--reader", readertest.VPCDReader)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(out, "never goes to disk") {
		t.Fatalf("--face-out was not refused: %v\n%s", err, out)
	}
	if _, err := os.Stat("photo.jp2"); err == nil {
		t.Fatal("a photo file was written")
	}
}

// startCardsim runs `uketsuke cardsim` with taro's persona and the extra
// flags until the test ends, and waits until its card is in the reader.
func startCardsim(t *testing.T, bin string, env []string, flags ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	sim := exec.CommandContext(ctx, bin, append([]string{"cardsim", "--persona", "../../reader/cardsim/personas/taro.toml"}, flags...)...)
	sim.Env = env
	simErr, _ := sim.StderrPipe()
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = sim.Wait()
		_ = readertest.WaitCard(readertest.VPCDReader, false, 10*time.Second)
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(simErr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "card inserted") {
				close(ready)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("cardsim never inserted its card")
	}
	if err := readertest.WaitCard(readertest.VPCDReader, true, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestCardsimPhoneTokens: the virtual card as an Android or an iPhone
// マイナ保険証, over real pcscd, as card info sees it.
func TestCardsimPhoneTokens(t *testing.T) {
	bin := binary(t)
	env := append(os.Environ(), "HOME="+t.TempDir())
	for token, want := range map[string][]string{
		"android": {"JPKIAPGPSETOKEN", "Android smartphone", "PIN tries:     3 of 3"},
		"iphone":  {"JPKIAPIOSTOKEN", "iPhone", "not supported at this kiosk"},
	} {
		t.Run(token, func(t *testing.T) {
			startCardsim(t, bin, env, "--token", token)
			c := exec.Command(bin, "card", "info", "--reader", readertest.VPCDReader)
			c.Env = env
			out, err := c.CombinedOutput()
			if err != nil {
				t.Fatalf("card info: %v\n%s", err, out)
			}
			for _, w := range want {
				if !strings.Contains(string(out), w) {
					t.Errorf("card info lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "chain:") {
				t.Errorf("a certificate was read from a phone without its PIN:\n%s", out)
			}
		})
	}
	if code, _, _ := runCLI(t, envOf("HOME", t.TempDir()), "cardsim", "--persona", "x.toml", "--token", "blackberry"); code != 2 {
		t.Errorf("a bad --token: exit %d", code)
	}
}

// TestCommandsAreQuietUnderAPOSIXLocale: with Debian's default LANG=C.UTF-8
// a command prints no toolkit error about the locale.
func TestCommandsAreQuietUnderAPOSIXLocale(t *testing.T) {
	bin := binary(t)
	for _, args := range [][]string{{"version"}, {"validate", "insurer", "01130012"}} {
		c := exec.Command(bin, args...)
		c.Env = []string{"HOME=" + t.TempDir(), "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH")}
		out, err := c.CombinedOutput()
		if err != nil || strings.Contains(string(out), "Fyne error") || strings.Contains(string(out), "locale") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}
