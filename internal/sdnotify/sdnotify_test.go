package sdnotify

import (
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestNotifyReachesTheSocket(t *testing.T) {
	for _, abstract := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "notify")
		name := path
		listen := path
		if abstract {
			name = "@uketsuke-test-" + filepath.Base(filepath.Dir(path))
			listen = "\x00" + name[1:]
		}
		l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: listen, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := FromEnv(envOf(map[string]string{"NOTIFY_SOCKET": name}))
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []string{Ready, Watchdog} {
			if err := n.Notify(msg); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			l.SetReadDeadline(time.Now().Add(5 * time.Second))
			k, err := l.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(buf[:k]); got != msg {
				t.Errorf("abstract=%v: got %q, want %q", abstract, got, msg)
			}
		}
		l.Close()
	}
}

func TestFromEnvRefusesWhatIsNotASocket(t *testing.T) {
	if _, err := FromEnv(envOf(nil)); !errors.Is(err, ErrNoSocket) {
		t.Errorf("no NOTIFY_SOCKET: %v", err)
	}
	if _, err := FromEnv(envOf(map[string]string{"NOTIFY_SOCKET": "relative/path"})); err == nil {
		t.Error("a relative path was accepted")
	}
	n, _ := FromEnv(envOf(map[string]string{"NOTIFY_SOCKET": filepath.Join(t.TempDir(), "none")}))
	if err := n.Notify(Ready); err == nil {
		t.Error("a missing socket was not reported")
	}
}

func TestWatchdogInterval(t *testing.T) {
	if d, ok := WatchdogInterval(envOf(map[string]string{"WATCHDOG_USEC": "30000000"})); !ok || d != 10*time.Second {
		t.Errorf("30 s watchdog: %v %v", d, ok)
	}
	for _, v := range []string{"", "0", "-5", "x"} {
		if _, ok := WatchdogInterval(envOf(map[string]string{"WATCHDOG_USEC": v})); ok {
			t.Errorf("WATCHDOG_USEC=%q gave a watchdog", v)
		}
	}
}
