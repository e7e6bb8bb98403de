module github.com/uketsuke/uketsuke

go 1.26.0

require golang.org/x/text v0.44.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/ebfe/scard v0.0.0-20241214075232-7af069cabc25
	golang.org/x/term v0.48.0
)

require (
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	gocv.io/x/gocv v0.31.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
