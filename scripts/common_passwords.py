"""Generate zhijiao/accounts/data/common-passwords-cn.txt (run from the project root, no arguments).

The password policy (zhijiao/accounts/validators.py) refuses Django's own list of 20,000 common
passwords (bundled with Django, from Royce Williams' compilation) and this file: passwords common in
China that that list lacks — the most frequent passwords of the 2011 CSDN leak as published in its
analyses, pinyin words and names with the number suffixes people add (520, 1314, 888, years),
keyboard walks (1qaz2wsx, qazwsxedc, 1q2w3e4r …) and number patterns. Written by hand from those
published patterns and expanded by the rules below; one lower-case password per line.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "zhijiao" / "accounts" / "data" / "common-passwords-cn.txt"

CSDN_TOP = """123456789 12345678 11111111 dearbook 00000000 123123123 1234567890 88888888 111111111
147258369 987654321 aaaaaaaa 1111111111 66666666 a123456789 11223344 1qaz2wsx xiazhili 789456123
password 87654321 qqqqqqqq 000000000 qwertyuiop qq123456 iloveyou 31415926 12344321 0000000000
asdfghjkl 1q2w3e4r 123456abc 0123456789 123654789 12121212 qazwsxedc abcd1234 12341234 110110110
asdasdasd 123456 22222222 123321123 abc123456 a12345678 123456123 a1234567 1234qwer qwe123456
woaini1314 5201314 1314520 520520520 123qwe 123abc 159357 741852963 147852369 963852741 321654987
168168 518518 888888 666666 999999 112233 121212 123123 654321 7758521 7758258 584520 521521""".split()

WORDS = """woaini aini woaiwojia wojiaoni zhongguo china beijing shanghai shandong jinan qingdao yantai
weifang zibo linyi jining taian weihai rizhao dezhou liaocheng binzhou heze zaozhuang dongying laoshi
xuesheng xiaozhang jiaoyu jiaoyuju zhijiao zhiye xuexiao banzhuren mima yonghu guanli guanliyuan admin
administrator root test ceshi system xitong user wangluo diannao shouji qq weixin wechat baidu taobao
zhangsan lisi wangwu zhaoliu xiaoming xiaohong xiaohua tiantian haha hehe aiqing xingfu kuaile
pingan shunli fafa facai dage jiejie meimei baobao laopo laogong""".split()

SURNAMES = """wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng
liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du ye cheng su
wei lv ding ren shen yao lu jin""".split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "520", "521", "1314", "5201314", "666",
            "888", "8888", "999", "168", "0", "00", "000", "01", "11", "007"]  # fmt: skip

ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
COLUMNS = ["1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"]


def keyboard_walks() -> set[str]:
    out: set[str] = set()
    for row in ROWS:
        for length in range(6, len(row) + 1):
            for start in range(len(row) - length + 1):
                part = row[start : start + length]
                out.update({part, part[::-1]})
    for start in range(len(COLUMNS)):
        for count in range(2, 5):
            cols = COLUMNS[start : start + count]
            if len(cols) == count:
                joined = "".join(cols)
                out.update({joined, "".join(c[::-1] for c in cols), joined[::-1]})
    for a, b in (("1234", "qwer"), ("qwer", "1234"), ("asdf", "1234"), ("1234", "asdf"), ("zxcv", "1234"),
                 ("qwe", "123"), ("123", "qwe"), ("asd", "123"), ("zxc", "123"), ("abc", "123")):  # fmt: skip
        out.update({a + b, a + b + b[-1]})
    for n in range(4, 7):  # 1q2w3e4r, q1w2e3r4
        digits, letters = "1234567890"[:n], "qwertyuiop"[:n]
        out.add("".join(d + c for d, c in zip(digits, letters, strict=True)))
        out.add("".join(c + d for d, c in zip(digits, letters, strict=True)))
        out.add("".join(d + c for d, c in zip(digits, "asdfghjkl"[:n], strict=True)))
    out.update({"zaq12wsx", "zaq1xsw2", "1qazxsw2", "xsw2zaq1", "qazxswedc", "qazwsx", "wsxedc",
                "2wsx3edc", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "zxcvbnm123"})  # fmt: skip
    return out


def number_patterns() -> set[str]:
    out = set()
    for d in "0123456789":
        for n in range(6, 13):
            out.add(d * n)
    for base in ("12", "123", "1234", "520", "1314", "168", "688", "518", "147", "159", "258", "369"):
        for times in range(2, 5):
            if 6 <= len(base * times) <= 12:
                out.add(base * times)
    return out


def main() -> None:
    # Words and names alone: the validator also tries a password without the digits and symbols
    # people append ("woaini1314" → "woaini", "Zhijiao@2021" → "zhijiao"), so suffixes need no lines.
    words = set(CSDN_TOP) | keyboard_walks() | number_patterns() | set(WORDS)
    for name in SURNAMES:
        for suffix in SUFFIXES:
            if suffix:
                words.add(name + suffix)
    words = sorted(w for w in words if 4 <= len(w) <= 32)
    header = [
        "# Common passwords in China that Django's list lacks (see scripts/common_passwords.py, which",
        "# generated this file, for the sources and the rules). One lower-case password per line.",
    ]
    OUT.write_text("\n".join(header + words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords written to {OUT}")


if __name__ == "__main__":
    main()
