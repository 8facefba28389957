"""Times Python vaderSentiment over a file of texts (one per line) for `tend bench nlp`.

Usage: python vader_bench.py TEXTS_FILE
Prints `texts_per_second=<float>`: the best of three whole passes after one warm-up
pass, timed in CPU time of the thread (`time.thread_time`) like Tend's side.
"""
import sys
import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main() -> None:
    with open(sys.argv[1], encoding="utf-8", newline="") as f:
        texts = f.read().split("\n")
    analyzer = SentimentIntensityAnalyzer()
    for text in texts:  # warm-up
        analyzer.polarity_scores(text)
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for text in texts:
            analyzer.polarity_scores(text)
        best = min(best, time.thread_time() - start)
    print(f"texts={len(texts)}")
    print(f"texts_per_second={len(texts) / best:.1f}")


if __name__ == "__main__":
    main()
