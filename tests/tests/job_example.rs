//! The `job` example runs to completion and ends by itself: its significant write step ends
//! the job supervisor, which, significant to the root, ends the whole tree.

#[path = "../../examples/job.rs"]
mod job;

#[tokio::test]
async fn the_job_example_writes_every_line_and_the_tree_ends_by_itself() {
    let dir = std::env::temp_dir().join(format!("supervisor-job-test-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await.unwrap();
    let input = dir.join("input.txt");
    let output = dir.join("output.txt");
    let _ = tokio::fs::remove_file(&output).await;
    let lines: Vec<String> = (0..200).map(|i| format!("line {i} of the job")).collect();
    tokio::fs::write(&input, lines.join("\n") + "\n")
        .await
        .unwrap();

    // Bounded: a tree that never ends by itself fails the test instead of hanging it.
    let written = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        job::run(&input, &output),
    )
    .await
    .expect("the job's tree did not end by itself")
    .unwrap();

    assert_eq!(written, 200);
    let out = tokio::fs::read_to_string(&output).await.unwrap();
    let expected: Vec<String> = lines
        .iter()
        .map(|l| format!("5\t{}", l.to_uppercase()))
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    tokio::fs::remove_dir_all(&dir).await.unwrap();
}

#[tokio::test]
async fn the_jobs_end_cascades_up_the_tree_as_the_testing_kit_sees_it() {
    use std::sync::Arc;
    use supervisor::testing::Probe;

    let dir = std::env::temp_dir().join(format!("supervisor-job-kit-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await.unwrap();
    let input = dir.join("input.txt");
    let output = dir.join("output.txt");
    let _ = tokio::fs::remove_file(&output).await;
    tokio::fs::write(&input, "one line\nanother line\n")
        .await
        .unwrap();

    let mut spec = job::tree(&input, &output, &Arc::default());
    let mut probe: Probe =
        Probe::from_stream(spec.subscribe()).patience(std::time::Duration::from_secs(60));
    let tree = spec.start().await.unwrap();
    probe
        .until("the tree's end", |e| {
            matches!(e.kind, supervisor::EventKind::TreeEnded { .. })
        })
        .await;
    tree.join().await.unwrap();
    probe.assert_log(&[
        // The flaky step, restarted with the step after it (rest_for_one).
        "restart app/job/transform [app/job/transform, app/job/write]",
        // The significant step ends: the job shuts down, then, significant too, the tree.
        "auto_shutdown app/job/write",
        "auto_shutdown app/job",
        "tree_ended app",
    ]);
    tokio::fs::remove_dir_all(&dir).await.unwrap();
}
