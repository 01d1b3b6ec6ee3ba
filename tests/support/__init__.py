"""What tests in every folder share: a fresh instance, people, pages, keys and servers."""
