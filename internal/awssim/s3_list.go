package awssim

import (
	"encoding/base64"
	"encoding/xml"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Listing buckets and objects: ListBuckets (paginated when max-buckets is given) and
// ListObjectsV2 (the aws CLI's "s3 ls"), with the query members of the SDK's
// service/s3/serializers.go.

type listBucketsResult struct {
	XMLName           xml.Name        `xml:"ListAllMyBucketsResult"`
	Xmlns             string          `xml:"xmlns,attr"`
	Owner             s3Owner         `xml:"Owner"`
	Buckets           []s3BucketEntry `xml:"Buckets>Bucket"`
	ContinuationToken string          `xml:"ContinuationToken,omitempty"`
	Prefix            string          `xml:"Prefix,omitempty"`
}

type s3BucketEntry struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

// s3Token is the continuation token of the S3 list operations: the last name listed.
func s3Token(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

func s3TokenValue(token string) (string, error) {
	last, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(last) == 0 {
		return "", s3Err(http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
	}
	return string(last), nil
}

// s3IntParam reads a non-negative integer query member (max-keys, max-buckets).
func s3IntParam(q url.Values, name string, limit int) (n int, set bool, err error) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, convErr := strconv.Atoi(v)
	if convErr != nil || n < 0 || n > limit {
		return 0, false, s3Err(http.StatusBadRequest, "InvalidArgument", "Provided %s not an integer or within integer range", name)
	}
	return n, true, nil
}

func (s *s3State) listBuckets(c *Call) (any, error) {
	q := c.HTTP.URL.Query()
	maxBuckets, paged, err := s3IntParam(q, "max-buckets", 10000)
	if err != nil {
		return nil, err
	}
	if paged && maxBuckets == 0 {
		return nil, s3Err(http.StatusBadRequest, "InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000.")
	}
	after := ""
	if token := q.Get("continuation-token"); token != "" {
		if after, err = s3TokenValue(token); err != nil {
			return nil, err
		}
	}
	prefix, region := q.Get("prefix"), q.Get("bucket-region")
	out := listBucketsResult{Xmlns: s3XMLNS, Owner: simOwner, Prefix: prefix}
	for _, name := range slices.Sorted(maps.Keys(s.Buckets)) {
		b := s.Buckets[name]
		if name <= after || !strings.HasPrefix(name, prefix) || (region != "" && b.Region != region) {
			continue
		}
		if paged && len(out.Buckets) == maxBuckets {
			out.ContinuationToken = s3Token(out.Buckets[len(out.Buckets)-1].Name)
			break
		}
		out.Buckets = append(out.Buckets, s3BucketEntry{name, b.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), b.Region})
	}
	return s3XML(out, nil)
}

type listObjectsV2Result struct {
	XMLName               xml.Name         `xml:"ListBucketResult"`
	Xmlns                 string           `xml:"xmlns,attr"`
	Name                  string           `xml:"Name"`
	Prefix                string           `xml:"Prefix"`
	Delimiter             string           `xml:"Delimiter,omitempty"`
	MaxKeys               int              `xml:"MaxKeys"`
	KeyCount              int              `xml:"KeyCount"`
	IsTruncated           bool             `xml:"IsTruncated"`
	ContinuationToken     string           `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string           `xml:"NextContinuationToken,omitempty"`
	StartAfter            string           `xml:"StartAfter,omitempty"`
	EncodingType          string           `xml:"EncodingType,omitempty"`
	Contents              []s3ObjectEntry  `xml:"Contents"`
	CommonPrefixes        []s3CommonPrefix `xml:"CommonPrefixes"`
}

type s3ObjectEntry struct {
	Key          string   `xml:"Key"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	Size         int64    `xml:"Size"`
	StorageClass string   `xml:"StorageClass"`
	Owner        *s3Owner `xml:"Owner,omitempty"`
}

type s3CommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// listObjectsV2 lists the current versions that are not delete markers, in key order.
// Keys that share a prefix up to the delimiter roll up into one common prefix; keys and
// common prefixes both count against max-keys, and the continuation token is the last of
// either listed.
func (s *s3State) listObjectsV2(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	q := c.HTTP.URL.Query()
	prefix, delimiter, startAfter, token := q.Get("prefix"), q.Get("delimiter"), q.Get("start-after"), q.Get("continuation-token")
	encoding := q.Get("encoding-type")
	if encoding != "" && encoding != "url" {
		return nil, s3Err(http.StatusBadRequest, "InvalidArgument", "Invalid Encoding Method specified in Request")
	}
	maxKeys, set, err := s3IntParam(q, "max-keys", 1<<31-1)
	if err != nil {
		return nil, err
	}
	if !set {
		maxKeys = s.sim.PageSize() // small on purpose; AWS's default is 1000
	}
	maxKeys = min(maxKeys, 1000)
	after, rolledUp := startAfter, ""
	if token != "" {
		if after, err = s3TokenValue(token); err != nil {
			return nil, err
		}
		rolledUp = after
	}
	enc := func(v string) string {
		if encoding == "url" {
			return url.QueryEscape(v)
		}
		return v
	}
	out := listObjectsV2Result{Xmlns: s3XMLNS, Name: b.Name, Prefix: enc(prefix), Delimiter: enc(delimiter), MaxKeys: maxKeys,
		ContinuationToken: token, StartAfter: enc(startAfter), EncodingType: encoding}
	last := ""
	for _, key := range slices.Sorted(maps.Keys(b.Objects)) {
		versions := b.Objects[key]
		cur := versions[len(versions)-1]
		if cur.DeleteMarker || !strings.HasPrefix(key, prefix) || key <= after {
			continue
		}
		entry := key
		if i := strings.Index(key[len(prefix):], delimiter); delimiter != "" && i >= 0 {
			entry = key[:len(prefix)+i+len(delimiter)]
			if entry == last || entry <= rolledUp { // listed already, on this page or an earlier one
				continue
			}
		}
		if out.KeyCount == maxKeys {
			out.IsTruncated = maxKeys > 0
			if out.IsTruncated {
				out.NextContinuationToken = s3Token(last)
			}
			break
		}
		out.KeyCount++
		last = entry
		if entry != key {
			out.CommonPrefixes = append(out.CommonPrefixes, s3CommonPrefix{enc(entry)})
			continue
		}
		o := s3ObjectEntry{Key: enc(key), LastModified: cur.LastModified.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: cur.ETag, Size: cur.Size, StorageClass: "STANDARD"}
		if q.Get("fetch-owner") == "true" {
			o.Owner = &simOwner
		}
		out.Contents = append(out.Contents, o)
	}
	return s3XML(out, nil)
}
