package clinic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CodeError is a configured code that ORCA's system management does not
// list: every reception would be refused, so nothing is sent.
type CodeError struct {
	Key   string // the configuration key: [sync.orca] department or physician
	Code  string // what is configured
	What  string // 診療科 or 医師
	Valid []Code // what ORCA lists
}

func (e *CodeError) Error() string {
	var valid []string
	for _, c := range e.Valid {
		valid = append(valid, c.Code+" "+c.Name)
	}
	list := "ORCA lists none: register them in ORCA's システム管理 first"
	if len(valid) > 0 {
		list = "valid: " + strings.Join(valid, ", ")
	}
	return fmt.Sprintf("[sync.orca] %s = %q is not a %s ORCA knows (%s)", e.Key, e.Code, e.What, list)
}

// CodeCheck is what ORCA lists and whether the configured codes are among them.
type CodeCheck struct {
	Departments, Physicians []Code
	DepartmentOK            bool
	PhysicianOK             bool
}

// Err is a *CodeError for the first configured code ORCA does not list.
func (c CodeCheck) Err(codes ReceptionCodes) error {
	switch {
	case !c.DepartmentOK:
		return &CodeError{Key: "department", Code: codes.Department, What: "診療科", Valid: c.Departments}
	case !c.PhysicianOK:
		return &CodeError{Key: "physician", Code: codes.Physician, What: "医師", Valid: c.Physicians}
	}
	return nil
}

// CheckCodes asks ORCA for its 診療科 and doctors valid today
// (system01lstv2) and says whether the configured codes are among them. It
// sends nothing.
func (y *Syncer) CheckCodes(ctx context.Context) (CodeCheck, error) {
	y.defaults()
	var c CodeCheck
	if y.ORCA == nil {
		return c, errors.New("sync check: [sync.orca] is not configured")
	}
	day := y.today()
	var err error
	if c.Departments, err = y.ORCA.Departments(ctx, day); err != nil {
		return c, fmt.Errorf("ORCA 診療科 list: %w", err)
	}
	if c.Physicians, err = y.ORCA.Physicians(ctx, day); err != nil {
		return c, fmt.Errorf("ORCA doctor list: %w", err)
	}
	c.DepartmentOK = listed(c.Departments, y.Visit.Department)
	c.PhysicianOK = listed(c.Physicians, y.Visit.Physician)
	return c, nil
}

func listed(list []Code, code string) bool {
	for _, c := range list {
		if c.Code == code {
			return true
		}
	}
	return false
}

// codesBackoff is how long after a failed look-up the codes are not asked
// for again (pushes come every few seconds).
const codesBackoff = 30 * time.Second

// checkCodes checks the configured codes once per business day (the store
// remembers it for every process): a *CodeError when ORCA does not list
// one, another error when ORCA could not be asked.
func (y *Syncer) checkCodes(ctx context.Context) error {
	today := y.today()
	what := y.ORCA.BaseURL + " " + y.Visit.Department + " " + y.Visit.Physician
	y.mu.Lock()
	day, retry := y.codesDay, y.codesRetry
	y.mu.Unlock()
	now := y.Clock.Now()
	if day == today {
		return nil
	}
	if ok, err := y.Store.CodesChecked(ctx, today, what); err != nil || ok {
		if ok {
			y.mu.Lock()
			y.codesDay = today
			y.mu.Unlock()
		}
		return storeErr(err)
	}
	if now.Before(retry) {
		return errors.New("ORCA's code lists could not be read a moment ago; trying again shortly")
	}
	c, err := y.CheckCodes(ctx)
	if err == nil {
		err = c.Err(y.Visit)
	}
	y.mu.Lock()
	defer y.mu.Unlock()
	if err != nil {
		y.codesRetry = now.Add(codesBackoff)
		return err
	}
	y.codesDay = today
	return storeErr(y.Store.SetCodesChecked(ctx, today, what))
}
