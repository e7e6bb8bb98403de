package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/uketsuke/uketsuke/kiosk/wareki"
	"github.com/uketsuke/uketsuke/sitequeue/pgtest"
)

// TestThreeKiosksOneQueue runs three kiosk processes that check 200
// simulated patients each into one PostgreSQL at the same time (the same
// seed, so each should record the same visits); one is SIGKILLed mid-way
// and started again, and PostgreSQL is restarted once while they run.
// Every visit each kiosk recorded is in the site queue once, with its
// number, the numbers are unique across the site, and the killed kiosk
// recorded exactly what the others did: nothing lost, nothing twice.
func TestThreeKiosksOneQueue(t *testing.T) {
	bin := binary(t)
	pg := pgtest.Start(t)
	day := wareki.Today(time.Now()).String()
	type kioskProc struct {
		id, prefix, dir, home, config string
		out                           bytes.Buffer
		cmd                           *exec.Cmd
	}
	var ks []*kioskProc
	for i, p := range []string{"A", "B", "C"} {
		k := &kioskProc{id: fmt.Sprintf("front-%d", i+1), prefix: p, dir: t.TempDir(), home: t.TempDir()}
		k.config = filepath.Join(k.home, "config.toml")
		cfg := fmt.Sprintf("kiosk_id = %q\n[reception]\nnumber_prefix = %q\n[queue]\nbackend = \"postgres\"\ndsn = %q\n", k.id, p, pg.DSN)
		if err := os.WriteFile(k.config, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	start := func(k *kioskProc) {
		k.out.Reset()
		k.cmd = exec.Command(bin, "simulate", "--patients", "200", "--seed", "7", "--date", day, "--pace", "15ms",
			"--settle", "90s", "--config", k.config, "--data-dir", k.dir)
		k.cmd.Env = []string{"HOME=" + k.home, "PATH=" + os.Getenv("PATH")}
		k.cmd.Stdout, k.cmd.Stderr = &k.out, &k.out
		if err := k.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range ks {
		start(k)
	}
	// Kiosk B dies mid-way, once it has recorded some visits.
	b := ks[1]
	waitRecorded(t, b.dir, 40)
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = b.cmd.Wait()
	killedAt := countRecorded(t, b.dir)
	start(b)
	// PostgreSQL goes away for a moment while they all check patients in.
	waitRecorded(t, ks[0].dir, 100)
	pg.Restart()
	for _, k := range ks {
		if err := k.cmd.Wait(); err != nil {
			t.Fatalf("kiosk %s: %v\n%s", k.id, err, k.out.String())
		}
		if !strings.Contains(k.out.String(), "Every visit is in the site queue.") {
			t.Fatalf("kiosk %s did not settle:\n%s", k.id, k.out.String())
		}
	}

	noticed := 0
	for _, k := range ks {
		if strings.Contains(k.out.String(), "PostgreSQL unreachable") {
			noticed++
		}
	}
	if noticed == 0 {
		t.Error("no kiosk noticed PostgreSQL's restart")
	}
	conn, err := pgx.Connect(context.Background(), pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	type siteRow struct{ kiosk, number string }
	site := map[string]siteRow{}
	numbers := map[string]bool{}
	rows, err := conn.Query(context.Background(), `select id, kiosk_id, number from uketsuke.visits`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var r siteRow
		if err := rows.Scan(&id, &r.kiosk, &r.number); err != nil {
			t.Fatal(err)
		}
		if _, dup := site[id]; dup {
			t.Errorf("visit %s twice in the site queue", id)
		}
		if numbers[r.number] {
			t.Errorf("number %s twice in the site queue", r.number)
		}
		site[id], numbers[r.number] = r, true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	total, per := 0, map[string]int{}
	for _, k := range ks {
		local := listRecorded(t, k.dir)
		per[k.id] = len(local)
		total += len(local)
		for _, v := range local {
			id, number := v[0], v[1]
			r, ok := site[id]
			if !ok {
				t.Errorf("kiosk %s's visit %s (%s) is not in the site queue", k.id, id, number)
			} else if r.kiosk != k.id || r.number != number {
				t.Errorf("visit %s: site queue has %v, kiosk %s has %s", id, r, k.id, number)
			}
			if !strings.HasPrefix(number, k.prefix) {
				t.Errorf("kiosk %s issued %s", k.id, number)
			}
		}
	}
	if len(site) != total {
		t.Errorf("%d visits in the site queue, %d recorded by the kiosks", len(site), total)
	}
	// Every patient is accounted for: the ones given a ticket are the
	// visits (each once), the others left without one by the simulation's
	// own table (walked away, took the card off, sent to the desk).
	patients, ticketed := 0, 0
	for _, k := range ks {
		m := regexp.MustCompile(`Outcomes: (.*)\. Staff needed`).FindStringSubmatch(k.out.String())
		if m == nil {
			t.Fatalf("kiosk %s printed no outcomes:\n%s", k.id, k.out.String())
		}
		tickets := 0
		for _, part := range strings.Split(m[1], "; ") {
			what, n, _ := strings.Cut(part, ": ")
			c, err := strconv.Atoi(n)
			if err != nil {
				t.Fatalf("outcome %q", part)
			}
			patients += c
			if strings.HasPrefix(what, "ticket") {
				tickets += c
			}
		}
		if per[k.id] != tickets {
			t.Errorf("kiosk %s: %d visits recorded, %d patients given a ticket", k.id, per[k.id], tickets)
		}
		ticketed += tickets
	}
	if patients != 600 || ticketed != len(site) {
		t.Errorf("%d patients, %d tickets, %d visits in the site queue", patients, ticketed, len(site))
	}
	if per["front-1"] != per["front-2"] || per["front-2"] != per["front-3"] || total < 3*150 {
		t.Errorf("visits per kiosk %v: the same seed should record the same visits, the killed kiosk included", per)
	}
	// doctor: kiosk A's site queue is fine; a fourth kiosk given A's
	// prefix is told whose it is.
	for _, c := range []struct {
		id, prefix string
		verdict    Verdict
		detail     string
	}{
		{"front-1", "A", VerdictOK, "answers, 3 kiosks"},
		{"front-9", "A", VerdictFail, `"A" is kiosk front-1's`},
	} {
		home := t.TempDir()
		_, got := doctorRun(t, home, fmt.Sprintf("kiosk_id = %q\ndata_dir = %q\n[reception]\nnumber_prefix = %q\n[queue]\nbackend = \"postgres\"\ndsn = %q\n",
			c.id, t.TempDir(), c.prefix, pg.DSN))
		if r := got["site queue"]; r.Verdict != c.verdict || !strings.Contains(r.Detail, c.detail) || (c.verdict != VerdictOK && r.Advice == "") {
			t.Errorf("doctor as %s: %+v, want %s containing %q", c.id, r, c.verdict, c.detail)
		}
	}
	t.Logf("3 kiosks × 200 patients (%d given a ticket, %d left without one): %d visits (%v), kiosk B killed after %d and restarted, PostgreSQL restarted once (noticed by %d kiosks); every visit in the site queue once, %d numbers unique",
		ticketed, patients-ticketed, total, per, killedAt, noticed, len(numbers))
}

// countRecorded counts the visits in a kiosk's store by reading its
// database file (the process may be writing it).
func countRecorded(t *testing.T, dir string) int {
	t.Helper()
	out, err := exec.Command("sqlite3", "-readonly", filepath.Join(dir, "uketsuke.db"), "select count(*) from visits").Output()
	if err != nil {
		return 0 // not created yet
	}
	var n int
	fmt.Sscan(string(out), &n)
	return n
}

func waitRecorded(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for countRecorded(t, dir) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: fewer than %d visits after 60 s", dir, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listRecorded lists every visit a kiosk's store holds: id and number.
func listRecorded(t *testing.T, dir string) [][2]string {
	t.Helper()
	out, err := exec.Command("sqlite3", "-readonly", filepath.Join(dir, "uketsuke.db"), "select id || ' ' || number from visits").Output()
	if err != nil {
		t.Fatalf("sqlite3: %v", err)
	}
	var all [][2]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if id, number, ok := strings.Cut(l, " "); ok {
			all = append(all, [2]string{id, number})
		}
	}
	return all
}
