// Package pgtest starts a real PostgreSQL from Debian for tests: initdb
// into a temporary directory as an unprivileged user (postgres when the
// tests run as root), listening on the loopback address only.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
)

// Server is a running PostgreSQL.
type Server struct {
	DSN  string // postgres://…/uketsuke on 127.0.0.1
	Port int

	bin, dir string
	cred     *syscall.Credential
	t        testing.TB
}

// Bin is the directory of Debian's PostgreSQL programs (the newest
// version installed), or "" when none is.
func Bin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// Start makes a new database cluster and starts it; it is stopped and
// removed when the test ends. The test fails when PostgreSQL is not
// installed (make test's set-up installs postgresql-15).
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{bin: Bin(), t: t}
	if s.bin == "" {
		t.Fatal("PostgreSQL is not installed (apt-get install postgresql-15; make test's set-up does)")
	}
	dir, err := os.MkdirTemp("", "uketsuke-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	t.Cleanup(func() { s.Stop(); os.RemoveAll(dir) })
	if os.Geteuid() == 0 { // initdb refuses root
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			t.Fatalf("no unprivileged user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	s.Port = freePort(t)
	s.run("initdb", "-D", s.data(), "-U", "uketsuke", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = on\nmax_connections = 60\n", s.Port, dir)
	f, err := os.OpenFile(filepath.Join(s.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	s.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "uketsuke", "uketsuke")
	s.DSN = fmt.Sprintf("postgres://uketsuke@127.0.0.1:%d/uketsuke?sslmode=disable", s.Port)
	return s
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Start starts the server again after Stop.
func (s *Server) Start() {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60", "start")
}

// Stop stops the server (fast shutdown: open connections are ended).
func (s *Server) Stop() {
	if _, err := os.Stat(filepath.Join(s.data(), "postmaster.pid")); err != nil {
		return
	}
	cmd := s.command("pg_ctl", "-D", s.data(), "-m", "fast", "-w", "-t", "60", "stop")
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
}

// Restart stops and starts the server.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.Start()
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + s.dir}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	if out, err := s.command(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		s.t.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
	}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
