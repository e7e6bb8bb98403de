package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/uketsuke/uketsuke/eligibility"
)

func runEligibility(_ context.Context, g *globals, args []string) error {
	fs := flag.NewFlagSet("eligibility", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one stable JSON object")
	args, err := parseFlags(g, fs, args)
	if err != nil {
		return err
	}
	if len(args) != 2 || args[0] != "parse" {
		return usageError{"want: eligibility parse FILE"}
	}
	b, err := eligibility.ReadFile(args[1])
	if err != nil {
		return exitError{2, fmt.Sprintf("%s: %v", args[1], err)}
	}
	r, err := eligibility.Parse(b)
	if err != nil {
		return exitError{2, fmt.Sprintf("%s: %v", args[1], err)}
	}
	s := r.Summary()
	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := g.stdout
	fmt.Fprintf(w, "SegmentOfResult %s, ProcessingResultStatus %s, QualificationValidity %s\n", s.SegmentOfResult, s.ProcessingResultStatus, s.Validity)
	if s.ErrorCode != "" {
		fmt.Fprintf(w, "error %s: %s\n", s.ErrorCode, s.ErrorMessage)
	}
	if s.Message != "" {
		fmt.Fprintf(w, "message: %s\n", s.Message)
	}
	for i, x := range s.Results {
		fmt.Fprintf(w, "result %d: 保険者 %s %s, 記号 %s 番号 %s 枝番 %s, %s (%s), 生年月日 %s, 性別 %s, 負担 %s, 限度額 %s\n",
			i+1, x.InsurerNumber, x.InsurerName, x.Symbol, x.Number, x.Branch, x.Name, x.NameKana, x.Birthdate, x.Sex,
			x.PartialContributionRatio, x.LimitClass)
		for _, f := range x.Flags.NameChars {
			fmt.Fprintf(w, "  check the name by eye: %s prints as ● at the desk\n", f)
		}
	}
	return nil
}
