package awssim

import (
	"net"
	"net/http"
	"strings"
)

// BucketAndKey splits an S3 request into bucket and key, for both path-style
// (http://host/bucket/key) and virtual-host-style (http://bucket.s3.host/key or
// http://bucket.localhost:4566/key) addressing.
func BucketAndKey(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	if label, rest, ok := strings.Cut(host, "."); ok && net.ParseIP(host) == nil &&
		(strings.HasPrefix(rest, "s3.") || strings.HasPrefix(rest, "s3-") || rest == "localhost") {
		return label, path
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}
