// Package kiosk is the reception core: the patient flow as a pure state
// machine, the rules that depend on the date, and the ports that hardware,
// eligibility and storage adapters implement. It does no I/O and imports
// no cgo, UI, card, camera or database package (TestNoForbiddenImports).
//
// Usage, in the manner of etcd's raft:
//
//	m := kiosk.NewMachine(cfg)
//	effects := m.Step(kiosk.CardInserted{}, now)
//	// execute each effect; feed each reply (which carries the effect's
//	// Seq) back with m.Step; send kiosk.Tick{} when m.Deadline() passes;
//	// draw m.View().
//
// Runner does exactly that against a set of Ports, with request effects on
// their own goroutines so that the UI never waits for the card, camera,
// terminal or disk.
//
// Personal data lives only in the session of one patient. Every path ends
// in StateWelcome through the same reset, which drops it all and emits
// EndSession so that adapters drop theirs (chip photo, face template).
// PIN and CodeB format as asterisks, and the machine never builds a
// 照合番号A.
//
// Sub-packages hold the pure validators: wareki (dates, 和暦), insurance
// (保険者番号 and friends with check digits) and name (JIS X 0208 flags).
package kiosk
