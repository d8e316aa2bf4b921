// The Go peer of the bench: Go's net/smtp (standard library only), driven the way its
// documentation shows, reporting its own timings as one JSON line:
//
//	smtp-bench -mode reuse|oneshot|big -addr 127.0.0.1:2525 -amount N -warmup N \
//	           -small small.eml -pool pool.bin
//
// reuse: one Client, N x (Mail, Rcpt, Data, Write, Close); oneshot: N x smtp.SendMail;
// big: one smtp.SendMail-shaped session whose body is pool.bin replayed in 64 KiB writes
// up to N bytes. A warm-up of the same kind runs first (-warmup-rounds times, N in all). CPU time is the whole process's
// (every thread, so the garbage collector too) from syscall.Getrusage.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/smtp"
	"os"
	"syscall"
	"time"
)

const (
	from      = "sender@bench.example"
	to        = "rcpt@bench.example"
	chunkSize = 64 * 1024
)

var (
	mode   = flag.String("mode", "reuse", "reuse | oneshot | big")
	addr   = flag.String("addr", "127.0.0.1:2525", "sink address")
	amount = flag.Int64("amount", 3000, "messages (reuse, oneshot) or body bytes (big)")
	warmup = flag.Int64("warmup", 300, "the same, for the untimed warm-up")
	rounds = flag.Int64("warmup-rounds", 1, "the warm-up's work split into this many runs (reuse: connections)")
	small  = flag.String("small", "", "the small message file")
	pool   = flag.String("pool", "", "the big body's pool file")
)

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "smtp-bench:", err)
		os.Exit(1)
	}
}

func reuse(body []byte, n int64) {
	c, err := smtp.Dial(*addr)
	check(err)
	for i := int64(0); i < n; i++ {
		check(c.Mail(from))
		check(c.Rcpt(to))
		w, err := c.Data()
		check(err)
		_, err = w.Write(body)
		check(err)
		check(w.Close())
	}
	check(c.Quit())
}

func oneshot(body []byte, n int64) {
	for i := int64(0); i < n; i++ {
		check(smtp.SendMail(*addr, nil, from, []string{to}, body))
	}
}

func big(chunks [][]byte, bytes int64) {
	c, err := smtp.Dial(*addr)
	check(err)
	check(c.Mail(from))
	check(c.Rcpt(to))
	w, err := c.Data()
	check(err)
	for sent, i := int64(0), 0; sent < bytes; i++ {
		chunk := chunks[i%len(chunks)]
		_, err = w.Write(chunk)
		check(err)
		sent += int64(len(chunk))
	}
	check(w.Close())
	check(c.Quit())
}

// cpuSeconds returns user + system, and system alone (the kernel's share: syscalls).
func cpuSeconds() (float64, float64) {
	var usage syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &usage))
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds(), time.Duration(usage.Stime.Nano()).Seconds()
}

func main() {
	flag.Parse()
	var run func(int64)
	switch *mode {
	case "reuse", "oneshot":
		body, err := os.ReadFile(*small)
		check(err)
		if *mode == "reuse" {
			run = func(n int64) { reuse(body, n) }
		} else {
			run = func(n int64) { oneshot(body, n) }
		}
	case "big":
		data, err := os.ReadFile(*pool)
		check(err)
		var chunks [][]byte
		for at := 0; at < len(data); at += chunkSize {
			chunks = append(chunks, data[at:at+chunkSize])
		}
		run = func(n int64) { big(chunks, n) }
	default:
		check(fmt.Errorf("unknown mode %q", *mode))
	}
	for round := int64(0); round < *rounds; round++ {
		run((*warmup + *rounds - 1) / *rounds)
	}
	cpuStart, systemStart := cpuSeconds()
	start := time.Now()
	run(*amount)
	seconds := time.Since(start).Seconds()
	cpuEnd, systemEnd := cpuSeconds()
	var usage syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &usage))
	check(json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl":          "go",
		"mode":          *mode,
		"amount":        *amount,
		"seconds":       seconds,
		"cpuSeconds":    cpuEnd - cpuStart,
		"systemSeconds": systemEnd - systemStart,
		"maxRssBytes":   usage.Maxrss * 1024, // Linux reports KiB
	}))
}
