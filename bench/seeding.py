"""Bulk seeding shared by the benches (call after Django is set up)."""


def pending_share_requests(*, program, testers: list, count: int) -> None:
    """`count` completed generations, round robin over `testers`, each waiting for review."""
    from generation.models import Generation
    from review.models import ShareRequest

    generations = Generation.objects.bulk_create(
        (
            Generation(
                tester=testers[i % len(testers)],
                program=program,
                prompt=f"bench {i}",
                seed=i,
                status=Generation.Status.COMPLETED,
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    ShareRequest.objects.bulk_create(
        (
            ShareRequest(
                generation=g,
                requested_by_id=g.tester_id,
                program=program,
                intended_use="portfolio",
                destination="site",
            )
            for g in generations
        ),
        batch_size=5000,
    )
