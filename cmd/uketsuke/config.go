package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/uketsuke/uketsuke/kiosk"
)

// SystemConfigPath is the default configuration file.
const SystemConfigPath = "/etc/uketsuke/config.toml"

// Config is the whole configuration file. Every key is documented in the
// README (section "Configuration"); keep the two in step.
type Config struct {
	KioskID   string          `toml:"kiosk_id"`
	DataDir   string          `toml:"data_dir"`
	LogLevel  string          `toml:"log_level"`
	Reception ReceptionConfig `toml:"reception"`
	Card      CardConfig      `toml:"card"`

	source string // the file it came from; "" for the embedded defaults
}

// ReceptionConfig tunes the reception flow.
type ReceptionConfig struct {
	NumberPrefix  string            `toml:"number_prefix"`
	FaceAttempts  int               `toml:"face_attempts"`
	CodeBMaxWrong int               `toml:"code_b_max_wrong"`
	CodeBReserve  int               `toml:"code_b_reserve"`
	Timeouts      map[string]string `toml:"timeouts"`
}

// CardConfig selects the card reader.
type CardConfig struct {
	// Reader picks the PC/SC reader whose name contains it; empty picks the first.
	Reader string `toml:"reader"`
}

// defaultConfig is what a kiosk runs with when there is no file.
func defaultConfig() Config {
	d := kiosk.DefaultConfig()
	return Config{
		KioskID:  "kiosk-1",
		LogLevel: "info",
		Reception: ReceptionConfig{
			FaceAttempts: d.FaceAttempts, CodeBMaxWrong: d.CodeBMaxWrong, CodeBReserve: d.CodeBReserve,
		},
	}
}

// configCandidates lists where a configuration file is looked for when
// --config is not given, first match wins.
func configCandidates(env func(string) string) []string {
	out := []string{SystemConfigPath}
	if x := env("XDG_CONFIG_HOME"); x != "" {
		out = append(out, filepath.Join(x, "uketsuke", "config.toml"))
	} else if h := env("HOME"); h != "" {
		out = append(out, filepath.Join(h, ".config", "uketsuke", "config.toml"))
	}
	return out
}

// loadConfig reads path (which must exist), or else the first existing
// candidate, or else the defaults; then validates. Unknown keys are errors,
// so a typo never silently falls back to a default.
func loadConfig(path string, env func(string) string) (Config, error) {
	cfg := defaultConfig()
	if path == "" {
		for _, c := range configCandidates(env) {
			if _, err := os.Stat(c); err == nil {
				path = c
				break
			} else if !errors.Is(err, fs.ErrNotExist) {
				return Config{}, fmt.Errorf("config %s: %w", c, err)
			}
		}
	}
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			return Config{}, fmt.Errorf("config %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return Config{}, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
		}
		cfg.source = path
	}
	if err := cfg.validate(); err != nil {
		where := path
		if where == "" {
			where = "defaults"
		}
		return Config{}, fmt.Errorf("config %s: %w", where, err)
	}
	return cfg, nil
}

// validate checks every key; the kiosk never starts on a bad config.
func (c Config) validate() error {
	if c.KioskID == "" || len(c.KioskID) > 32 || strings.ContainsFunc(c.KioskID, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return fmt.Errorf("kiosk_id %q: 1-32 letters, digits, - or _", c.KioskID)
	}
	if _, err := c.logLevel(); err != nil {
		return err
	}
	if len([]rune(c.Reception.NumberPrefix)) > 4 {
		return fmt.Errorf("reception.number_prefix %q: at most 4 characters", c.Reception.NumberPrefix)
	}
	kc, err := c.kioskConfig()
	if err != nil {
		return err
	}
	if err := kc.Validate(); err != nil {
		return fmt.Errorf("reception: %w", err)
	}
	return nil
}

func (c Config) logLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log_level %q: one of debug, info, warn, error", c.LogLevel)
	}
	return l, nil
}

// kioskConfig turns the [reception] table into the machine's Config.
func (c Config) kioskConfig() (kiosk.Config, error) {
	kc := kiosk.DefaultConfig()
	kc.FaceAttempts = c.Reception.FaceAttempts
	kc.CodeBMaxWrong = c.Reception.CodeBMaxWrong
	kc.CodeBReserve = c.Reception.CodeBReserve
	byName := map[string]kiosk.State{}
	for _, s := range kiosk.States() {
		byName[s.String()] = s
	}
	for name, v := range c.Reception.Timeouts {
		s, ok := byName[name]
		if !ok || s == kiosk.StateWelcome {
			names := []string{}
			for n, st := range byName {
				if st != kiosk.StateWelcome {
					names = append(names, n)
				}
			}
			slices.Sort(names)
			return kiosk.Config{}, fmt.Errorf("reception.timeouts.%s: no such waiting state (one of %s)", name, strings.Join(names, ", "))
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return kiosk.Config{}, fmt.Errorf("reception.timeouts.%s: %w", name, err)
		}
		kc.Timeouts[s] = d
	}
	return kc, nil
}

// dataDir resolves the data directory: --data-dir, then data_dir, then
// $XDG_DATA_HOME/uketsuke, then ~/.local/share/uketsuke.
func (c Config) dataDir(flag string, env func(string) string) (string, error) {
	switch {
	case flag != "":
		return flag, nil
	case c.DataDir != "":
		return c.DataDir, nil
	case env("XDG_DATA_HOME") != "":
		return filepath.Join(env("XDG_DATA_HOME"), "uketsuke"), nil
	case env("HOME") != "":
		return filepath.Join(env("HOME"), ".local", "share", "uketsuke"), nil
	}
	return "", errors.New("no data directory: set --data-dir, data_dir, XDG_DATA_HOME or HOME")
}
