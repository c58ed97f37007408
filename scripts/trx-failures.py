#!/usr/bin/env python3
"""Prints each failed test of the given .trx files: its name, then the first lines of its message and stack."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MAX_LINES = 12

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"{path}: unreadable ({e})")
        continue
    for result in root.iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") in ("Passed", "NotExecuted"):
            continue
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        for tag in ("Message", "StackTrace"):
            node = result.find(f".//t:ErrorInfo/t:{tag}", NS)
            if node is not None and node.text:
                for line in node.text.strip().splitlines()[:MAX_LINES]:
                    print(f"    {line[:300]}")
