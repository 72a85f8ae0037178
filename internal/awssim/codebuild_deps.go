package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// What CodeBuild needs from IAM, SSM, ECR and the simulated GitHub. The lookups run with the
// simulator lock held; a service missing from the simulator reads as "nothing there".

// assumableByCodeBuild reports whether arn names a role in the simulator's IAM whose trust
// policy names codebuild.amazonaws.com.
func (s *codebuildState) assumableByCodeBuild(c *Call, arn string) bool {
	svc := c.Sim().Service("iam")
	if svc == nil {
		return false
	}
	st := svc.State.(*iamState)
	for _, r := range st.Roles {
		if r.ARN == arn {
			return strings.Contains(r.AssumeRolePolicy, "codebuild.amazonaws.com")
		}
	}
	return false
}

// commitFails reports whether commit was pushed to the simulated GitHub as one whose build
// fails.
func (s *codebuildState) commitFails(commit string) bool {
	svc := s.sim.Service("github")
	return svc != nil && svc.State.(*githubState).Failing[commit]
}

// ssmValue is the (decrypted) value of a Parameter Store parameter.
func (s *codebuildState) ssmValue(region, name string) (string, bool) {
	svc := s.sim.Service("ssm")
	if svc == nil {
		return "", false
	}
	r, ok := svc.State.(*ssmState).Regions[region]
	if !ok {
		return "", false
	}
	p, ok := r.Parameters[name]
	if !ok {
		return "", false
	}
	return p.Value, true
}

// ecrRepoOf parses an ECR repository URI of this account (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME).
func ecrRepoOf(uri string) (region, name string, ok bool) {
	host, name, found := strings.Cut(uri, "/")
	if !found || name == "" {
		return "", "", false
	}
	rest, ok1 := strings.CutPrefix(host, Account+".dkr.ecr.")
	region, ok2 := strings.CutSuffix(rest, ".amazonaws.com")
	return region, name, ok1 && ok2 && region != ""
}

// pushImage stores an image in a repository of the simulator's ECR under tags, as docker push
// does: through the repository's image store, moving mutable tags, refusing to move an
// immutable one. The error is what docker push prints.
func (s *codebuildState) pushImage(repoURI, manifest string, tags []string, at time.Time) error {
	region, name, ok := ecrRepoOf(repoURI)
	var repo *ecrRepository
	if svc := s.sim.Service("ecr"); svc != nil && ok {
		if r, found := svc.State.(*ecrState).Regions[region]; found {
			repo = r.Repositories[name]
		}
	}
	if repo == nil {
		if !ok {
			return fmt.Errorf("denied: requested access to the resource is denied")
		}
		return fmt.Errorf("name unknown: The repository with name '%s' does not exist in the registry with id '%s'", name, Account)
	}
	if strings.HasPrefix(repo.TagMutability, "IMMUTABLE") {
		for _, img := range repo.Images {
			for _, t := range tags {
				if slices.Contains(img.Tags, t) {
					return fmt.Errorf("tag invalid: The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.", t, name)
				}
			}
		}
	}
	sum := sha256.Sum256([]byte(manifest))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	img, exists := repo.Images[digest]
	if !exists {
		img = &ecrImage{Digest: digest, Manifest: manifest, MediaType: "application/vnd.docker.distribution.manifest.v2+json",
			PushedAt: at, Scanned: repo.ScanOnPush}
		if repo.Images == nil {
			repo.Images = map[string]*ecrImage{}
		}
		repo.Images[digest] = img
	}
	for _, t := range tags {
		for _, other := range repo.Images {
			if other != img {
				other.Tags = slices.DeleteFunc(other.Tags, func(x string) bool { return x == t })
			}
		}
		if !slices.Contains(img.Tags, t) {
			img.Tags = append(img.Tags, t)
		}
	}
	return nil
}
