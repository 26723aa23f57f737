package main

import (
	"crypto/tls"
	"net/http"
	"path/filepath"
	"testing"
)

func TestCheckAllowed(t *testing.T) {
	tests := []struct {
		desc    string
		status  int
		body    string
		wantErr bool
	}{
		{"allowed with the uid", http.StatusOK, `{"response":{"uid":"` + loadUID + `","allowed":true}}`, false},
		{"denied", http.StatusOK, `{"response":{"uid":"` + loadUID + `","allowed":false}}`, true},
		{"another uid", http.StatusOK, `{"response":{"uid":"x","allowed":true}}`, true},
		{"HTTP error", http.StatusBadRequest, `bad`, true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if err := checkAllowed(tt.status, []byte(tt.body)); (err != nil) != tt.wantErr {
				t.Errorf("checkAllowed = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestParseInts(t *testing.T) {
	tests := []struct {
		desc    string
		in      string
		want    int
		wantErr bool
	}{
		{"three concurrencies", "1, 4,16", 3, false},
		{"zero is refused", "0,4", 0, true},
		{"not a number", "a", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := parseInts(tt.in)
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Errorf("parseInts(%q) = %v, %v", tt.in, got, err)
			}
		})
	}
}

// TestWriteServingCerts checks the pair loads and verifies for 127.0.0.1.
func TestWriteServingCerts(t *testing.T) {
	dir := t.TempDir()
	pool, err := writeServingCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pair.Leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if pool == nil || len(pair.Certificate) != 1 {
		t.Errorf("want a one-certificate chain and a CA pool")
	}
}
