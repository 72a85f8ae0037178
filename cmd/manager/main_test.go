package main

import (
	"crypto/tls"
	"slices"
	"testing"
)

func TestMetricsServeHTTP2OnlyWhenEnabled(t *testing.T) {
	protos := func(enableHTTP2 bool) []string {
		c := &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
		for _, opt := range metricsOptions(":8443", true, enableHTTP2).TLSOpts {
			opt(c)
		}
		return c.NextProtos
	}
	if got := protos(false); !slices.Equal(got, []string{"http/1.1"}) {
		t.Errorf("by default the metrics server offers %v, want only http/1.1", got)
	}
	if got := protos(true); !slices.Contains(got, "h2") {
		t.Errorf("with --enable-http2 the metrics server offers %v, want h2 too", got)
	}
	if metricsOptions(":8443", true, false).FilterProvider == nil {
		t.Error("secure metrics must authorize callers through the API server")
	}
}
