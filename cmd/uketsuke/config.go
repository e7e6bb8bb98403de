package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/uketsuke/uketsuke/clinic"

	"github.com/uketsuke/uketsuke/kiosk"
	"github.com/uketsuke/uketsuke/kiosk/insurance"
	"github.com/uketsuke/uketsuke/kiosk/wareki"
	prn "github.com/uketsuke/uketsuke/printer"
	"github.com/uketsuke/uketsuke/storage"
)

// SystemConfigPath is the default configuration file.
const SystemConfigPath = "/etc/uketsuke/config.toml"

// Config is the whole configuration file. Every key is documented in the
// README (section "Configuration"); keep the two in step.
type Config struct {
	KioskID     string            `toml:"kiosk_id"`
	DataDir     string            `toml:"data_dir"`
	LogLevel    string            `toml:"log_level"`
	Reception   ReceptionConfig   `toml:"reception"`
	Card        CardConfig        `toml:"card"`
	Camera      CameraConfig      `toml:"camera"`
	Eligibility EligibilityConfig `toml:"eligibility"`
	Demo        DemoConfig        `toml:"demo"`
	Sync        SyncConfig        `toml:"sync"`
	Retention   RetentionConfig   `toml:"retention"`
	Audit       AuditConfig       `toml:"audit"`
	Backup      BackupConfig      `toml:"backup"`
	Printer     PrinterConfig     `toml:"printer"`
	Voice       VoiceConfig       `toml:"voice"`
	Desk        DeskConfig        `toml:"desk"`
	Queue       QueueConfig       `toml:"queue"`

	source string // the file it came from; "" for the embedded defaults
}

// ReceptionConfig tunes the reception flow.
type ReceptionConfig struct {
	NumberPrefix  string            `toml:"number_prefix"`
	FaceAttempts  int               `toml:"face_attempts"`
	CodeBMaxWrong int               `toml:"code_b_max_wrong"`
	CodeBReserve  int               `toml:"code_b_reserve"`
	Timeouts      map[string]string `toml:"timeouts"`
	// ClinicName is printed on guidance slips.
	ClinicName string `toml:"clinic_name"`
	// MinutesPerPatient estimates the wait shown on the ticket (0: none).
	MinutesPerPatient int `toml:"minutes_per_patient"`
	// PrintCommand prints a ticket: the ticket text goes to its standard
	// input, e.g. ["lp", "-d", "reception"]. Empty: show the number only.
	PrintCommand []string `toml:"print_command"`
}

// PrinterConfig is [printer]: the ticket printer spoken to in ESC/POS.
type PrinterConfig struct {
	// Device is "usb:/dev/usb/lp0", "tcp:HOST[:9100]" or "command:lp -o
	// raw -d QUEUE" (the job's ESC/POS bytes on its standard input). Empty:
	// [reception] print_command, which gets plain text, or no printer.
	Device string `toml:"device"`
}

// DeskConfig is [desk]: the reception desk's web server (`uketsuke desk`),
// which serves the waiting-room display and the patients' pages.
type DeskConfig struct {
	// Listen is the address served (default ":8443").
	Listen string `toml:"listen"`
	// URL is how patients' phones reach it, e.g.
	// "https://reception.clinic.example:8443": the ticket's QR code opens
	// URL/q/<token>. Empty: the QR code holds the visit's ticket id.
	URL string `toml:"url"`
	// Cert and Key are the clinic's TLS certificate and key (PEM). Empty:
	// a self-signed pair made at first start in <data dir>/desk/.
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
	// Rooms are where staff call a number to (shown on the display).
	Rooms []string `toml:"rooms"`
	// SpeakCalls: the display says each call aloud after its chime
	// (default true; needs the Japanese voice).
	SpeakCalls *bool `toml:"speak_calls"`
}

// QueueConfig is [queue]: where the day's queue lives.
type QueueConfig struct {
	// Backend is "sqlite" (the default: the kiosk's own store, read by a
	// desk on the same machine) or "postgres": one queue for every kiosk
	// of the site in PostgreSQL, each kiosk still keeping its own store.
	Backend string `toml:"backend"`
	// DSN is PostgreSQL's address, e.g.
	// "postgres://uketsuke@queue.clinic.example/uketsuke?sslmode=verify-full".
	DSN string `toml:"dsn"`
	// Link is where desks on other machines reach this kiosk for 目視確認,
	// "host:port" (postgres only; "" for none). The kiosk listens on the
	// port (on host alone when it is an IP address) over mutually
	// authenticated TLS and registers the address and its certificate's
	// fingerprint in PostgreSQL; it serves only desks registered there.
	Link string `toml:"link"`
}

// site reports whether the queue is the site's, in PostgreSQL.
func (q QueueConfig) site() bool { return q.Backend == "postgres" }

// VoiceConfig is [voice]: the spoken guidance.
type VoiceConfig struct {
	// On: each patient starts with the voice on (the default). Off, the
	// kiosk starts silent and a patient can still turn it on (音声).
	On *bool `toml:"on"`
	// Volume is the percentage of the synthesised level, 1–100 (0: 100);
	// the sound card's own volume is set with alsamixer.
	Volume int `toml:"volume"`
	// Speed is the Japanese speech rate, 0.5–2.0 (0: 1.0).
	Speed float64 `toml:"speed"`
	// Player plays a WAV from its standard input (default aplay -q -).
	Player []string `toml:"player"`
}

// on reports whether patients start with the voice on.
func (v VoiceConfig) on() bool { return v.On == nil || *v.On }

// AuditConfig places the audit chain's key.
type AuditConfig struct {
	// KeyFile holds the HMAC key of the audit chain, outside the data
	// directory; created (0600) at first start when missing. Published
	// chain heads are kept beside it in audit-heads.jsonl.
	KeyFile string `toml:"key_file"`
}

// auditKeyFile resolves [audit] key_file: the configured file, else
// $XDG_CONFIG_HOME/uketsuke/audit.key (~/.config/uketsuke/audit.key).
func (c Config) auditKeyFile(env func(string) string) (string, error) {
	switch {
	case c.Audit.KeyFile != "":
		return c.Audit.KeyFile, nil
	case env("XDG_CONFIG_HOME") != "":
		return filepath.Join(env("XDG_CONFIG_HOME"), "uketsuke", "audit.key"), nil
	case env("HOME") != "":
		return filepath.Join(env("HOME"), ".config", "uketsuke", "audit.key"), nil
	}
	return "", errors.New("no place for the audit key: set [audit] key_file, XDG_CONFIG_HOME or HOME")
}

// BackupConfig is the kiosk's daily online backup.
type BackupConfig struct {
	// Dir receives a dated copy of the database once a day (and at start
	// when the newest is a day old); "" turns the backup off.
	Dir string `toml:"dir"`
	// Keep is how many dated copies stay in Dir (1-365, default 7).
	Keep int `toml:"keep"`
}

// RetentionConfig is how long personal data is kept.
type RetentionConfig struct {
	// Days after the hand-over to the clinic system (or, with no sync
	// configured, after the visit) that its personal data is purged; the
	// per-day exports, archived terminal answers and corrupt database
	// copies are removed after as many days.
	Days int `toml:"days"`
}

// retention is the store's policy for this configuration.
func (c Config) retention() storage.Retention {
	return storage.Retention{Days: c.Retention.Days, ByAge: c.Sync.ORCA == nil && c.Sync.Export == nil}
}

// CameraConfig selects the camera and the face models.
type CameraConfig struct {
	// Device is the V4L2 camera, e.g. "/dev/video0"; "" uses /dev/video0
	// when it exists; "none" turns the face path off (PIN only).
	Device string `toml:"device"`
	// Models is the folder with the face models (set-up puts them in .build/models).
	Models string `toml:"models"`
	// CardDevice is the document camera over the card tray that reads
	// 照合番号B from the card front, e.g. "/dev/video2"; "" reads it with
	// Device, the patient holding the card up; "none" has it typed.
	CardDevice string `toml:"card_device"`
	// Recognizer is the face recogniser: "dlib" (the default, calibrated
	// here) or "sface" (OpenCV's FaceRecognizerSF: the official SFace file
	// in Models, or RecognizerModel; its thresholds are OpenCV's, not
	// calibrated here).
	Recognizer string `toml:"recognizer"`
	// RecognizerModel is the sface model file, when it is not the
	// official one in Models.
	RecognizerModel string `toml:"recognizer_model"`
}

// EligibilityConfig selects who answers オンライン資格確認.
type EligibilityConfig struct {
	// Backend: "terminal" (the clinic's 資格確認端末 shared folder) or
	// "sim" (the built-in simulator; the demo's default).
	Backend string `toml:"backend"`
	// TerminalDir is the shared folder of the 資格確認端末 (req/, res/, face/).
	TerminalDir string `toml:"terminal_dir"`
	// Institution is the 医療機関コード (10 digits) written into requests.
	Institution string `toml:"institution"`
	// SimPersonas is the simulator's persona file.
	SimPersonas string `toml:"sim_personas"`
	// TestCard is a test 資格確認書's numbers (one the terminal's vendor or
	// the insurer provides for testing): `doctor` sends it as a request to
	// check that the terminal answers. Absent: no test request.
	TestCard *TestCardConfig `toml:"test_card"`
}

// TestCardConfig is [eligibility.test_card]: the numbers of a test card.
type TestCardConfig struct {
	Insurer string `toml:"insurer"`
	Symbol  string `toml:"symbol"`
	Number  string `toml:"number"`
	Branch  string `toml:"branch"`
	Birth   string `toml:"birth"` // YYYY-MM-DD or 和暦 (S55.05.05)
}

// query is the eligibility query of the test card.
func (t TestCardConfig) query() (kiosk.NumbersQuery, error) {
	card, errs := insurance.ParseCard(t.Insurer, t.Symbol, t.Number, t.Branch)
	if len(errs) > 0 {
		return kiosk.NumbersQuery{}, fmt.Errorf("eligibility.test_card: %w", errs[0])
	}
	birth, err := wareki.Parse(t.Birth)
	if err != nil {
		return kiosk.NumbersQuery{}, fmt.Errorf("eligibility.test_card.birth %q: %w", t.Birth, err)
	}
	return kiosk.NumbersQuery{Card: card, Birth: birth}, nil
}

// SyncConfig is the nightly hand-over to the clinic system. Either target
// may be absent; with neither, there is no sync.
type SyncConfig struct {
	// Time is the nightly run, HH:MM in Asia/Tokyo; "" turns the schedule off
	// (sync run still works).
	Time string `toml:"time"`
	// RetryAfter is the wait before the first retry of a delivery that
	// failed for a passing reason; it doubles at each failure up to
	// RetryMax. Defaults 30s and 10m.
	RetryAfter string            `toml:"retry_after"`
	RetryMax   string            `toml:"retry_max"`
	ORCA       *ORCASyncConfig   `toml:"orca"`
	Export     *ExportSyncConfig `toml:"export"`
}

// ORCASyncConfig is [sync.orca]: the connection and the codes sent with
// every reception.
type ORCASyncConfig struct {
	clinic.ORCAConfig
	Department           string `toml:"department"`
	Physician            string `toml:"physician"`
	Medical              string `toml:"medical"`
	InsuranceCombination string `toml:"insurance_combination"`
}

// retry is sync.retry_after and sync.retry_max (0: the store's defaults).
func (s SyncConfig) retry() (after, most time.Duration, err error) {
	for _, f := range []struct {
		key, v string
		d      *time.Duration
	}{{"retry_after", s.RetryAfter, &after}, {"retry_max", s.RetryMax, &most}} {
		if f.v == "" {
			continue
		}
		d, err := time.ParseDuration(f.v)
		if err != nil || d < 100*time.Millisecond || d > 6*time.Hour {
			return 0, 0, fmt.Errorf("sync.%s %q: a duration from 100ms to 6h", f.key, f.v)
		}
		*f.d = d
	}
	if after > 0 && most > 0 && most < after {
		return 0, 0, fmt.Errorf("sync.retry_max %q is shorter than sync.retry_after %q", s.RetryMax, s.RetryAfter)
	}
	return after, most, nil
}

// ExportSyncConfig is [sync.export].
type ExportSyncConfig struct {
	Dir      string   `toml:"dir"`
	Formats  []string `toml:"formats"`
	ShiftJIS bool     `toml:"shift_jis"`
	// Mode is the files' mode in octal, e.g. "0640" for a group the
	// clinic system reads with; default "0600".
	Mode string `toml:"mode"`
}

// fileMode parses Mode.
func (e ExportSyncConfig) fileMode() (os.FileMode, error) {
	if e.Mode == "" {
		return 0o600, nil
	}
	m, err := strconv.ParseUint(e.Mode, 8, 32)
	if err != nil || m&^0o666 != 0 || m&0o600 != 0o600 {
		return 0, fmt.Errorf("sync.export.mode %q: an octal file mode such as \"0640\" (read-write for the kiosk, no execute)", e.Mode)
	}
	return os.FileMode(m), nil
}

// DemoConfig is used by `run --demo` only.
type DemoConfig struct {
	// Personas is the folder of virtual card personas (*.toml).
	Personas string `toml:"personas"`
	// Reader is the vsmartcard-vpcd reader the virtual card goes into.
	Reader string `toml:"reader"`
	// VPCD is the address of vpcd's card socket for that reader.
	VPCD string `toml:"vpcd"`
}

// CardConfig selects the card reader.
type CardConfig struct {
	// Reader picks the PC/SC reader whose name contains it; empty picks the first.
	Reader string `toml:"reader"`
	// TrustTestCA also trusts the virtual card's test hierarchy: for tests
	// only; `run` without --demo refuses it.
	TrustTestCA bool `toml:"trust_test_ca"`
}

// defaultConfig is what a kiosk runs with when there is no file.
func defaultConfig() Config {
	d := kiosk.DefaultConfig()
	return Config{
		KioskID:   "kiosk-1",
		LogLevel:  "info",
		Retention: RetentionConfig{Days: storage.DefaultRetentionDays},
		Backup:    BackupConfig{Keep: 7},
		Reception: ReceptionConfig{
			FaceAttempts: d.FaceAttempts, CodeBMaxWrong: d.CodeBMaxWrong, CodeBReserve: d.CodeBReserve,
			MinutesPerPatient: 5,
		},
		Camera:      CameraConfig{Models: ".build/models"},
		Eligibility: EligibilityConfig{Backend: "terminal", SimPersonas: "eligibility/testdata/personas.toml"},
		Demo:        DemoConfig{Personas: "reader/cardsim/personas", Reader: "Virtual PCD 00 00", VPCD: "127.0.0.1:35963"},
		Desk:        DeskConfig{Listen: ":8443"},
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
	if c.Backup.Keep < 1 || c.Backup.Keep > 365 {
		return fmt.Errorf("backup.keep %d: 1-365", c.Backup.Keep)
	}
	if c.Retention.Days < 1 || c.Retention.Days > 3650 {
		return fmt.Errorf("retention.days %d: 1-3650", c.Retention.Days)
	}
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
	if c.Reception.MinutesPerPatient < 0 || c.Reception.MinutesPerPatient > 240 {
		return fmt.Errorf("reception.minutes_per_patient %d: 0 to 240", c.Reception.MinutesPerPatient)
	}
	switch c.Camera.Recognizer {
	case "", "dlib":
		if c.Camera.RecognizerModel != "" {
			return fmt.Errorf("camera.recognizer_model is for recognizer = \"sface\"")
		}
	case "sface":
	default:
		return fmt.Errorf("camera.recognizer %q: dlib or sface", c.Camera.Recognizer)
	}
	switch c.Eligibility.Backend {
	case "sim":
	case "terminal":
		if c.Eligibility.TerminalDir != "" && (len(c.Eligibility.Institution) != 10 || strings.Trim(c.Eligibility.Institution, "0123456789") != "") {
			return fmt.Errorf("eligibility.institution %q: the 10-digit 医療機関コード", c.Eligibility.Institution)
		}
		if t := c.Eligibility.TestCard; t != nil {
			if _, err := t.query(); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("eligibility.backend %q: terminal or sim", c.Eligibility.Backend)
	}
	if c.Printer.Device != "" {
		if _, err := prn.Parse(c.Printer.Device); err != nil {
			return fmt.Errorf("printer.device: %w", err)
		}
	}
	if u := c.Desk.URL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme != "https" || pu.Host == "" || (pu.Path != "" && pu.Path != "/") || pu.RawQuery != "" {
			return fmt.Errorf("desk.url %q: an https:// address with no path, e.g. https://reception.example:8443", u)
		}
	}
	if (c.Desk.Cert == "") != (c.Desk.Key == "") {
		return errors.New("desk.cert and desk.key: both or neither")
	}
	if v := c.Voice.Volume; v < 0 || v > 100 {
		return fmt.Errorf("voice.volume %d: 1–100", v)
	}
	if sp := c.Voice.Speed; sp != 0 && (sp < 0.5 || sp > 2) {
		return fmt.Errorf("voice.speed %.2f: 0.5–2.0", sp)
	}
	switch c.Queue.Backend {
	case "", "sqlite":
		if c.Queue.DSN != "" {
			return errors.New("queue.dsn is for backend = \"postgres\"")
		}
		if c.Queue.Link != "" {
			return errors.New("queue.link is for backend = \"postgres\" (a desk on this machine reaches the kiosk without it)")
		}
	case "postgres":
		if c.Queue.DSN == "" {
			return errors.New("queue.dsn: PostgreSQL's address, needed with backend = \"postgres\"")
		}
		if c.Reception.NumberPrefix == "" {
			return errors.New("reception.number_prefix: with one queue for many kiosks each kiosk needs its own prefix (A, B…) so the site's numbers are unique")
		}
		if l := c.Queue.Link; l != "" {
			host, port, err := net.SplitHostPort(l)
			if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
				return fmt.Errorf("queue.link %q: the address desks reach this kiosk at, host:port (e.g. kiosk-2.clinic.lan:8444)", l)
			}
		}
	default:
		return fmt.Errorf("queue.backend %q: sqlite or postgres", c.Queue.Backend)
	}
	if err := c.Sync.validate(); err != nil {
		return err
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

// nightly parses sync.time; ok is false when there is no schedule.
func (s SyncConfig) nightly() (hour, minute int, ok bool, err error) {
	if s.Time == "" {
		return 0, 0, false, nil
	}
	t, err := time.Parse("15:04", s.Time)
	if err != nil {
		return 0, 0, false, fmt.Errorf("sync.time %q: HH:MM (Asia/Tokyo)", s.Time)
	}
	return t.Hour(), t.Minute(), true, nil
}

func (s SyncConfig) validate() error {
	if _, _, _, err := s.nightly(); err != nil {
		return err
	}
	if _, _, err := s.retry(); err != nil {
		return err
	}
	if o := s.ORCA; o != nil {
		if err := clinic.CheckURL(o.URL, o.InsecureHTTP); err != nil {
			return fmt.Errorf("sync.orca.url: %w", err)
		}
		if o.User == "" && o.ClientCert == "" {
			return errors.New("sync.orca: user (with password_file) or client_cert is required")
		}
		if (o.ClientCert == "") != (o.ClientKey == "") {
			return errors.New("sync.orca: client_cert and client_key go together")
		}
		// ORCA refuses a reception without a department and a physician
		// it knows.
		if o.Department == "" {
			return errors.New("sync.orca.department is required: the 診療科コード receptions are registered under (e.g. \"01\")")
		}
		if o.Physician == "" {
			return errors.New("sync.orca.physician is required: the ドクターコード receptions are registered under (e.g. \"10001\")")
		}
		if o.Timeout != "" {
			if _, err := time.ParseDuration(o.Timeout); err != nil {
				return fmt.Errorf("sync.orca.timeout %q: a Go duration", o.Timeout)
			}
		}
	}
	if e := s.Export; e != nil {
		if e.Dir == "" {
			return errors.New("sync.export.dir is required")
		}
		for _, f := range e.Formats {
			if f != clinic.FormatCSV && f != clinic.FormatJSONL {
				return fmt.Errorf("sync.export.formats: %q is not csv or jsonl", f)
			}
		}
		if _, err := e.fileMode(); err != nil {
			return err
		}
	}
	return nil
}
