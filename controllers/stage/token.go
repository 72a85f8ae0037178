package stage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
)

// Token lengths of the APIs that take a ClientToken.
const (
	EC2TokenLength = 64
	ECSTokenLength = 36
)

// ClientToken derives an idempotency token from the object's UID, the resource's key and
// an attempt counter. The key must contain every parameter that can change (the subnet
// ID of a NAT gateway, say): AWS answers a reused token with different parameters with
// IdempotentParameterMismatch. Bump attempt to deliberately create a replacement; with the
// old token AWS would hand back the original, deleted, resource.
func ClientToken(uid types.UID, key string, attempt int32, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", uid, key, attempt)))
	token := hex.EncodeToString(sum[:])
	if n < len(token) {
		token = token[:n]
	}
	return token
}
