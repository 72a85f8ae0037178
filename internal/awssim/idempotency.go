package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// Idempotency remembers ClientTokens: the same token with the same parameters returns the
// same resource; with different parameters it is IdempotentParameterMismatch.
// Key: operation + "/" + token.
type Idempotency map[string]TokenRecord

// TokenRecord is what a ClientToken produced.
type TokenRecord struct {
	Fingerprint string `json:"fingerprint"`
	ID          string `json:"id"`
}

// Lookup returns the ID a token already produced ("" when new).
func (m Idempotency) Lookup(op, token, fingerprint string) (string, error) {
	if token == "" {
		return "", nil
	}
	rec, ok := m[op+"/"+token]
	if !ok {
		return "", nil
	}
	if rec.Fingerprint != fingerprint {
		return "", Errorf("IdempotentParameterMismatch",
			"The client token you have provided is associated with a resource that is already deleted or has different parameters. Please use a different client token.")
	}
	return rec.ID, nil
}

// Remember records the ID a token produced.
func (m Idempotency) Remember(op, token, fingerprint, id string) {
	if token != "" {
		m[op+"/"+token] = TokenRecord{Fingerprint: fingerprint, ID: id}
	}
}

// Fingerprint hashes the request parameters except the token and protocol fields.
func Fingerprint(p *Params) string {
	var kv []string
	p.flatten("", &kv)
	kept := kv[:0]
	for _, s := range kv {
		if strings.HasPrefix(s, "ClientToken=") || strings.HasPrefix(s, "Action=") || strings.HasPrefix(s, "Version=") {
			continue
		}
		kept = append(kept, s)
	}
	sort.Strings(kept)
	sum := sha256.Sum256([]byte(strings.Join(kept, "&")))
	return hex.EncodeToString(sum[:])
}
