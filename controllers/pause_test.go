package controllers_test

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
)

// stageCalls counts every Reconcile and Delete of both fake stages for fd.
func stageCalls(fd *v1alpha1.FlaskDeployment) int {
	return alpha.Reconciles(fd) + beta.Reconciles(fd) + alpha.Deletes(fd) + beta.Deletes(fd)
}

func removeAnnotation(fd *v1alpha1.FlaskDeployment, k string) {
	cur := get(fd)
	patch := client.MergeFrom(cur.DeepCopy())
	delete(cur.Annotations, k)
	Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())
}

func waitReady(fd *v1alpha1.FlaskDeployment) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		cur := get(fd)
		g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
	}, timeout, poll).Should(Succeed())
}

var _ = Describe("Pausing a FlaskDeployment", func() {
	It("makes no stage call while paused, even after a spec change, and resumes when the annotation goes", func() {
		fd := newFD(nil)
		waitReady(fd)

		setAnnotation(fd, v1alpha1.AnnotationPaused, "true")
		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionPaused) }, timeout, poll).
			Should(And(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonPaused),
				HaveField("Message", ContainSubstring("no AWS call"))))
		calls := stageCalls(fd)
		cur := get(fd)
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Spec.Tags = map[string]string{"team": "payments"}
		Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())

		// Longer than the 2 s resync (plus jitter), and the spec changed: still nothing.
		Consistently(func() int { return stageCalls(fd) }, 3*time.Second, 100*time.Millisecond).Should(Equal(calls))
		cur = get(fd)
		Expect(cur.Status.ObservedGeneration).To(BeNumerically("<", cur.Generation))
		Expect(condition(fd, v1alpha1.ConditionPaused).ObservedGeneration).To(Equal(cur.Generation))
		// What the last pass found stands.
		Expect(condition(fd, v1alpha1.ConditionReady)).To(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonReady))
		Expect(condition(fd, v1alpha1.ConditionReconciling)).To(BeNil())
		Expect(controllers.Phase(cur)).To(Equal(controllers.PhasePaused))
		Expect(eventsIn(fd.Namespace)).To(ContainElement("Normal/Paused/Reconcile"))

		removeAnnotation(fd, v1alpha1.AnnotationPaused)
		Eventually(func(g Gomega) {
			now := get(fd)
			g.Expect(meta.FindStatusCondition(now.Status.Conditions, v1alpha1.ConditionPaused)).To(BeNil())
			g.Expect(now.Status.ObservedGeneration).To(Equal(now.Generation))
			g.Expect(meta.IsStatusConditionTrue(now.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		}, timeout, poll).Should(Succeed())
		Expect(stageCalls(fd)).To(BeNumerically(">", calls))
		Expect(get(fd).Status.TagKeys).To(Equal([]string{"team"}))
		Eventually(func() []string { return eventsIn(fd.Namespace) }, timeout, poll).
			Should(ContainElement("Normal/Resumed/Reconcile"))
		Expect(kstatus(fd)).To(Equal(status.CurrentStatus))
	})

	It("keeps the finalizer and deletes nothing while paused, and finishes the deletion once resumed", func() {
		fd := newFD(nil)
		waitReady(fd)
		setAnnotation(fd, v1alpha1.AnnotationPaused, "true")
		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionPaused) }, timeout, poll).
			ShouldNot(BeNil())
		calls := stageCalls(fd)

		Expect(env.Client.Delete(ctx, fd)).To(Succeed())
		Consistently(func(g Gomega) {
			cur := get(fd)
			g.Expect(cur.Finalizers).To(ContainElement(controllers.Finalizer))
			g.Expect(stageCalls(fd)).To(Equal(calls))
		}, 3*time.Second, 100*time.Millisecond).Should(Succeed())
		Expect(alpha.Deletes(fd) + beta.Deletes(fd)).To(BeZero())

		removeAnnotation(fd, v1alpha1.AnnotationPaused)
		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{})
		}, timeout, poll).Should(MatchError(ContainSubstring("not found")))
		Expect(alpha.Deletes(fd)).To(BeNumerically(">=", 1))
		Expect(beta.Deletes(fd)).To(BeNumerically(">=", 1))
	})

	It("does nothing for an object created paused until the annotation goes", func() {
		fd := newFD(map[string]string{v1alpha1.AnnotationPaused: "true"})
		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionPaused) }, timeout, poll).
			Should(haveCondition(metav1.ConditionTrue, v1alpha1.ReasonPaused))
		Consistently(func() int { return stageCalls(fd) }, time.Second, 100*time.Millisecond).Should(BeZero())
		Expect(condition(fd, v1alpha1.ConditionReady)).To(BeNil())

		removeAnnotation(fd, v1alpha1.AnnotationPaused)
		waitReady(fd)
		Expect(get(fd).Finalizers).To(ContainElement(controllers.Finalizer))
	})
})
