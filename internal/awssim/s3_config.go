package awssim

import (
	"encoding/xml"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Bucket configuration subresources: public access block, default encryption, lifecycle
// and tags. Defaults follow today's AWS: a new bucket blocks all public access (since April
// 2023) and encrypts with SSE-S3 (since January 2023). So GetPublicAccessBlock answers
// NoSuchPublicAccessBlockConfiguration only after DeletePublicAccessBlock, and
// GetBucketEncryption always answers a configuration: the SSE-S3 default unless one was put,
// never ServerSideEncryptionConfigurationNotFoundError.
//
// The Put operations require a payload checksum (Content-MD5 or x-amz-checksum-*), as AWS
// does; the SDK sends one.

type s3PublicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration" json:"-"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty" json:"-"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls" json:"blockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls" json:"ignorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy" json:"blockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets" json:"restrictPublicBuckets"`
}

// s3DefaultPublicAccessBlock is what a new bucket gets: everything blocked.
func s3DefaultPublicAccessBlock() *s3PublicAccessBlock {
	return &s3PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
}

type s3EncryptionConfig struct {
	XMLName xml.Name           `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string             `xml:"xmlns,attr,omitempty"`
	Rules   []s3EncryptionRule `xml:"Rule"`
}

type s3EncryptionRule struct {
	Default                *s3SSEDefault `xml:"ApplyServerSideEncryptionByDefault" json:"default"`
	BucketKeyEnabled       bool          `xml:"BucketKeyEnabled" json:"bucketKeyEnabled"`
	BlockedEncryptionTypes *struct {
		Types []string `xml:"EncryptionType" json:"types"`
	} `xml:"BlockedEncryptionTypes" json:"blockedEncryptionTypes,omitempty"`
}

type s3SSEDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm" json:"sseAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty" json:"kmsMasterKeyId,omitempty"`
}

// s3DefaultEncryption is the SSE-S3 configuration every bucket has unless another was put.
func s3DefaultEncryption() s3EncryptionRule {
	return s3EncryptionRule{Default: &s3SSEDefault{SSEAlgorithm: "AES256"}}
}

// Lifecycle rules as the SDK serializes LifecycleRule; the stored form is the same.
type s3LifecycleConfig struct {
	XMLName xml.Name          `xml:"LifecycleConfiguration"`
	Xmlns   string            `xml:"xmlns,attr,omitempty"`
	Rules   []s3LifecycleRule `xml:"Rule"`
}

type s3LifecycleRule struct {
	ID                             string                  `xml:"ID"`
	Prefix                         *string                 `xml:"Prefix"` // the deprecated rule-level filter
	Filter                         *s3LifecycleFilter      `xml:"Filter"`
	Status                         string                  `xml:"Status"`
	Expiration                     *s3Expiration           `xml:"Expiration"`
	Transitions                    []s3Transition          `xml:"Transition"`
	NoncurrentVersionTransitions   []s3Transition          `xml:"NoncurrentVersionTransition"`
	NoncurrentVersionExpiration    *s3NoncurrentExpiration `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *struct {
		DaysAfterInitiation *int32 `xml:"DaysAfterInitiation"`
	} `xml:"AbortIncompleteMultipartUpload"`
}

type s3LifecycleFilter struct {
	Prefix                *string `xml:"Prefix"`
	Tag                   *s3Tag  `xml:"Tag"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
	And                   *struct {
		Prefix                *string `xml:"Prefix"`
		Tags                  []s3Tag `xml:"Tag"`
		ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
		ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
	} `xml:"And"`
}

type s3Expiration struct {
	Date                      string `xml:"Date,omitempty"`
	Days                      *int32 `xml:"Days"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker"`
}

// s3Transition is a Transition (Date or Days) or a NoncurrentVersionTransition
// (NoncurrentDays, NewerNoncurrentVersions).
type s3Transition struct {
	Date                    string `xml:"Date,omitempty"`
	Days                    *int32 `xml:"Days"`
	NoncurrentDays          *int32 `xml:"NoncurrentDays"`
	NewerNoncurrentVersions *int32 `xml:"NewerNoncurrentVersions"`
	StorageClass            string `xml:"StorageClass"`
}

type s3NoncurrentExpiration struct {
	NoncurrentDays          *int32 `xml:"NoncurrentDays"`
	NewerNoncurrentVersions *int32 `xml:"NewerNoncurrentVersions"`
}

type s3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type s3Tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  *struct {
		Tags []s3Tag `xml:"Tag"`
	} `xml:"TagSet"`
}

func malformedXML() *APIError {
	return s3Err(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

// configBody is the body of a Put of a bucket subresource, decoded into v after the
// checksum check every such Put has on AWS.
func configBody(c *Call, v any) error {
	if !hasPayloadChecksum(c.HTTP.Header) {
		return s3Err(http.StatusBadRequest, "InvalidRequest",
			"Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
	}
	if err := xml.Unmarshal(c.Body, v); err != nil {
		return malformedXML()
	}
	return nil
}

func noContent() *RawResponse { return &RawResponse{Status: http.StatusNoContent} }

func (s *s3State) putPublicAccessBlock(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	var cfg s3PublicAccessBlock
	if err := configBody(c, &cfg); err != nil {
		return nil, err
	}
	b.PublicAccessBlock = &cfg
	return &RawResponse{Status: http.StatusOK}, nil
}

func (s *s3State) getPublicAccessBlock(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	if b.PublicAccessBlock == nil {
		return nil, s3Err(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	out := *b.PublicAccessBlock
	out.Xmlns = s3XMLNS
	return s3XML(out, nil)
}

func (s *s3State) deletePublicAccessBlock(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	b.PublicAccessBlock = nil
	return noContent(), nil
}

var s3SSEAlgorithms = []string{"AES256", "aws:kms", "aws:kms:dsse"}

func (s *s3State) putBucketEncryption(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	var cfg s3EncryptionConfig
	if err := configBody(c, &cfg); err != nil {
		return nil, err
	}
	if len(cfg.Rules) != 1 || cfg.Rules[0].Default == nil || !slices.Contains(s3SSEAlgorithms, cfg.Rules[0].Default.SSEAlgorithm) {
		return nil, malformedXML()
	}
	rule := cfg.Rules[0]
	if rule.Default.KMSMasterKeyID != "" && !strings.HasPrefix(rule.Default.SSEAlgorithm, "aws:kms") {
		return nil, s3Err(http.StatusBadRequest, "InvalidArgument",
			"a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
	}
	b.Encryption = &rule
	return &RawResponse{Status: http.StatusOK}, nil
}

func (s *s3State) getBucketEncryption(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	rule := s3DefaultEncryption()
	if b.Encryption != nil {
		rule = *b.Encryption
	}
	return s3XML(s3EncryptionConfig{Xmlns: s3XMLNS, Rules: []s3EncryptionRule{rule}}, nil)
}

// s3TransitionMinSizeHeader carries the lifecycle default of the smallest object that
// transitions; AWS echoes it on Put and Get.
const s3TransitionMinSizeHeader = "X-Amz-Transition-Default-Minimum-Object-Size"

func (s *s3State) putBucketLifecycleConfiguration(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	var cfg s3LifecycleConfig
	if err := configBody(c, &cfg); err != nil {
		return nil, err
	}
	size := c.HTTP.Header.Get(s3TransitionMinSizeHeader)
	switch size {
	case "":
		size = "all_storage_classes_128K"
	case "all_storage_classes_128K", "varies_by_storage_class":
	default:
		return nil, s3Err(http.StatusBadRequest, "InvalidArgument", "Invalid value for %s: %s", s3TransitionMinSizeHeader, size)
	}
	if err := validateLifecycle(cfg.Rules); err != nil {
		return nil, err
	}
	b.Lifecycle, b.TransitionMinSize = cfg.Rules, size
	return &RawResponse{Status: http.StatusOK, Header: http.Header{s3TransitionMinSizeHeader: {size}}}, nil
}

// validateLifecycle refuses what S3 refuses in a lifecycle configuration, filling in the
// IDs S3 generates for rules without one.
func validateLifecycle(rules []s3LifecycleRule) error {
	if len(rules) == 0 || len(rules) > 1000 {
		return malformedXML()
	}
	ids := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		if r.ID == "" {
			r.ID = strings.TrimPrefix(NewID("r"), "r-")
		}
		if len(r.ID) > 255 {
			return s3Err(http.StatusBadRequest, "InvalidArgument", "ID length should not exceed allowed limit of 255")
		}
		if ids[r.ID] {
			return s3Err(http.StatusBadRequest, "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule")
		}
		ids[r.ID] = true
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return malformedXML()
		}
		if (r.Filter == nil) == (r.Prefix == nil) || !r.Filter.valid() {
			return malformedXML() // exactly one of Filter and the legacy Prefix
		}
		if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil &&
			len(r.Transitions) == 0 && len(r.NoncurrentVersionTransitions) == 0 {
			return s3Err(http.StatusBadRequest, "InvalidRequest", "At least one action needs to be specified in a rule")
		}
		if x := r.Expiration; x != nil {
			set := 0
			for _, present := range []bool{x.Date != "", x.Days != nil, x.ExpiredObjectDeleteMarker != nil} {
				if present {
					set++
				}
			}
			if set != 1 {
				return malformedXML()
			}
			if x.Days != nil && *x.Days < 1 {
				return s3Err(http.StatusBadRequest, "InvalidArgument", "'Days' for Expiration action must be a positive integer")
			}
			if x.Date != "" {
				if t, err := time.Parse(time.RFC3339, x.Date); err != nil || !t.Equal(t.UTC().Truncate(24*time.Hour)) {
					return s3Err(http.StatusBadRequest, "InvalidArgument", "'Date' must be at midnight GMT")
				}
			}
		}
		if x := r.NoncurrentVersionExpiration; x != nil && (x.NoncurrentDays == nil || *x.NoncurrentDays < 1) {
			return s3Err(http.StatusBadRequest, "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		if x := r.AbortIncompleteMultipartUpload; x != nil && (x.DaysAfterInitiation == nil || *x.DaysAfterInitiation < 1) {
			return s3Err(http.StatusBadRequest, "InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		for _, t := range slices.Concat(r.Transitions, r.NoncurrentVersionTransitions) {
			if t.StorageClass == "" {
				return malformedXML()
			}
		}
	}
	return nil
}

// valid reports whether a filter names at most one condition (several go inside And).
func (f *s3LifecycleFilter) valid() bool {
	if f == nil {
		return true
	}
	n := 0
	for _, present := range []bool{f.Prefix != nil, f.Tag != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil, f.And != nil} {
		if present {
			n++
		}
	}
	return n <= 1
}

func (s *s3State) getBucketLifecycleConfiguration(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	if len(b.Lifecycle) == 0 {
		return nil, s3Err(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	}
	size := b.TransitionMinSize
	if size == "" {
		size = "all_storage_classes_128K"
	}
	return s3XML(s3LifecycleConfig{Xmlns: s3XMLNS, Rules: b.Lifecycle}, http.Header{s3TransitionMinSizeHeader: {size}})
}

func (s *s3State) deleteBucketLifecycle(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	b.Lifecycle, b.TransitionMinSize = nil, ""
	return noContent(), nil
}

func (s *s3State) putBucketTagging(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	var in s3Tagging
	if err := configBody(c, &in); err != nil {
		return nil, err
	}
	if in.TagSet == nil {
		return nil, malformedXML()
	}
	tags, err := s3BucketTagMap(in.TagSet.Tags)
	if err != nil {
		return nil, err
	}
	b.Tags = tags
	return noContent(), nil
}

// s3BucketTagMap checks a bucket's tag set as PutBucketTagging and CreateBucket do, each tag
// in order and then the count; nil for an empty set.
func s3BucketTagMap(set []s3Tag) (map[string]string, error) {
	tags := map[string]string{}
	for _, t := range set {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			return nil, s3Err(http.StatusBadRequest, "InvalidTag", "The TagKey you have provided is invalid")
		case utf8.RuneCountInString(t.Value) > 256:
			return nil, s3Err(http.StatusBadRequest, "InvalidTag", "The TagValue you have provided is invalid")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, s3Err(http.StatusBadRequest, "InvalidTag", "System tags cannot be added/updated by requester")
		}
		if _, dup := tags[t.Key]; dup {
			return nil, s3Err(http.StatusBadRequest, "InvalidTag", "Cannot provide multiple Tags with the same key")
		}
		tags[t.Key] = t.Value
	}
	if len(tags) > 50 {
		return nil, s3Err(http.StatusBadRequest, "InvalidTag", "Bucket tag count cannot be greater than 50")
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

func (s *s3State) getBucketTagging(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, s3Err(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist")
	}
	out := s3Tagging{Xmlns: s3XMLNS, TagSet: &struct {
		Tags []s3Tag `xml:"Tag"`
	}{}}
	for _, k := range slices.Sorted(maps.Keys(b.Tags)) {
		out.TagSet.Tags = append(out.TagSet.Tags, s3Tag{Key: k, Value: b.Tags[k]})
	}
	return s3XML(out, nil)
}

func (s *s3State) deleteBucketTagging(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	b.Tags = nil
	return noContent(), nil
}
