#!/usr/bin/env python
from zhengdun.__main__ import main

if __name__ == "__main__":
    main()
