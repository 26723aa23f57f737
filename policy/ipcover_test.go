package policy

import "testing"

func TestCIDRsCoverAll(t *testing.T) {
	tests := map[string]struct {
		values []string
		want   bool
	}{
		"wildcard":                          {values: []string{"*"}, want: true},
		"whole IPv4 space":                  {values: []string{"0.0.0.0/0"}, want: true},
		"whole IPv6 space":                  {values: []string{"::/0"}, want: true},
		"IPv4 halves":                       {values: []string{"128.0.0.0/1", "0.0.0.0/1"}, want: true},
		"IPv4 quarters with overlap":        {values: []string{"0.0.0.0/2", "64.0.0.0/2", "0.0.0.0/1", "128.0.0.0/1"}, want: true},
		"unmasked prefixes are masked":      {values: []string{"1.2.3.4/1", "200.0.0.0/1"}, want: true},
		"IPv6 halves":                       {values: []string{"::/1", "8000::/1"}, want: true},
		"surrounding spaces":                {values: []string{" 0.0.0.0/1", "128.0.0.0/1 "}, want: true},
		"gap in the middle":                 {values: []string{"0.0.0.0/2", "128.0.0.0/1"}},
		"missing top":                       {values: []string{"0.0.0.0/1", "128.0.0.0/2"}},
		"one half of each family":           {values: []string{"0.0.0.0/1", "8000::/1"}},
		"bare address":                      {values: []string{"10.0.0.1"}},
		"malformed entries are ignored":     {values: []string{"0.0.0.0/1", "nonsense"}},
		"malformed entry next to full span": {values: []string{"nonsense", "0.0.0.0/0"}, want: true},
		"empty list":                        {},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			if got := cidrsCoverAll(tc.values); got != tc.want {
				t.Errorf("cidrsCoverAll(%q) = %t, want %t", tc.values, got, tc.want)
			}
		})
	}
}
