package awssim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// NewID returns an AWS-style ID: prefix, dash, 17 hex digits (vpc-0a1b2c3d4e5f60718).
func NewID(prefix string) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)[:17]
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// Timestamp marshals as the ISO 8601 form AWS XML uses (2006-01-02T15:04:05.000Z).
type Timestamp time.Time

// MarshalText implements encoding.TextMarshaler.
func (t Timestamp) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

// EpochSeconds marshals as the fractional epoch seconds JSON 1.1 uses for timestamps.
type EpochSeconds time.Time

// MarshalJSON implements json.Marshaler.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%.3f", float64(time.Time(t).UnixMilli())/1000)), nil
}

// Account is the account every caller belongs to.
const Account = "123456789012"

// ARN builds an ARN in the simulated account.
func ARN(service, region, resource string) string {
	return strings.Join([]string{"arn:aws", service, region, Account, resource}, ":")
}
