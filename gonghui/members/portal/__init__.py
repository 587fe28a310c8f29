"""The member portal: mobile-first H5 pages for workers on their phones (mounted at /m/)."""
