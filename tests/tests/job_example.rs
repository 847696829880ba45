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
