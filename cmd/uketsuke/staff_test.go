package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestStaffCommands(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	run := func(stdin string, args ...string) (string, error) {
		c := exec.Command(bin, append(args, "--data-dir", data)...)
		c.Stdin = strings.NewReader(stdin)
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := run("123456\n", "staff", "add", "12", "--name", "受付 一郎"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if out, err := run("123456\n", "staff", "add", "12", "--name", "again"); err == nil || !strings.Contains(out, "already exists") {
		t.Fatalf("duplicate add: %v\n%s", err, out)
	}
	if out, err := run("12345\n", "staff", "add", "13", "--name", "short"); err == nil || !strings.Contains(out, "6 to 12 digits") {
		t.Fatalf("short PIN: %v\n%s", err, out)
	}
	if out, err := run("123456\n", "staff", "add", "ab", "--name", "letters"); err == nil || !strings.Contains(out, "digits") {
		t.Fatalf("letters in the ID: %v\n%s", err, out)
	}
	if out, err := run("", "staff", "disable", "12"); err != nil {
		t.Fatalf("disable: %v\n%s", err, out)
	}
	out, err := run("", "staff", "list")
	if err != nil || !strings.Contains(out, "受付 一郎") || !strings.Contains(out, "disabled") || strings.Contains(out, "123456") {
		t.Fatalf("list: %v\n%s", err, out)
	}
}
