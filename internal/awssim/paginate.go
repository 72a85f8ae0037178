package awssim

import (
	"encoding/base64"
	"strconv"
)

// DefaultPageSize is deliberately small: a caller that ignores NextToken misses resources
// here long before it would on AWS.
const DefaultPageSize = 3

// Paginate returns one page of items starting at token. maxResults 0 means the simulator's
// page size. The token is opaque to callers; an unknown token is InvalidPaginationToken.
func Paginate[T any](items []T, token string, maxResults, pageSize int) (page []T, next string, err error) {
	start := 0
	if token != "" {
		raw, decErr := base64.RawURLEncoding.DecodeString(token)
		n, convErr := strconv.Atoi(string(raw))
		if decErr != nil || convErr != nil || n < 0 || n > len(items) {
			return nil, "", Errorf("InvalidPaginationToken", "Invalid pagination token: %s", token)
		}
		start = n
	}
	size := pageSize
	if maxResults > 0 {
		size = maxResults
	}
	if size <= 0 {
		size = DefaultPageSize
	}
	end := min(start+size, len(items))
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}
