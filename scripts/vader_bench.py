"""Times Python vaderSentiment over a file of texts (one per line) for `tend bench nlp`.

Usage: python vader_bench.py TEXTS_FILE
Prints `texts_per_second=<float>` (best of three whole passes, after one warm-up pass).
"""
import sys
import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        texts = f.read().split("\n")
    analyzer = SentimentIntensityAnalyzer()
    for text in texts:  # warm-up
        analyzer.polarity_scores(text)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for text in texts:
            analyzer.polarity_scores(text)
        best = min(best, time.perf_counter() - start)
    print(f"texts={len(texts)}")
    print(f"texts_per_second={len(texts) / best:.1f}")


if __name__ == "__main__":
    main()
