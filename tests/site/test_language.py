"""Two languages, one switch (issue 14): English / 简体中文 beside the title switches every label in place while
training runs, and loses nothing (step, weights, curves); the language is kept across a reload; a first visit
from a Chinese browser opens in Chinese, the loader and the first screen drawn before Python included.

Screenshots: .cache/screenshots/80-playground-zh.png and 81-first-visit-zh.png (1280×720).
"""
import json
import re
import time

from playwright.sync_api import expect

from tests.site.harness import (APP_TIMEOUT_MS, PythonHeldBack, Traffic, bokeh_data, open_playground, screenshot, settle,
                                site_url)
from tests.site.test_playground import KEPT_NOW, click, status


def kept(page):
    return json.loads(page.evaluate(KEPT_NOW))


def curve_steps(page):
    return page.evaluate("Bokeh.documents[0].get_model_by_name('curve-train').data.step.at(-1) ?? 0")


def choose(page, language):
    page.locator(".pg-language").get_by_role("button", name=language, exact=True).click()


def test_switching_to_chinese_mid_training_keeps_everything_and_a_reload_keeps_the_language(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_playground(page)
    expect(page.get_by_role("button", name="Forward", exact=True)).to_be_visible()   # Chromium here says en-US
    click(page, "Train")
    page.wait_for_function("Bokeh.documents[0].get_model_by_name('curve-train').data.step.at(-1) >= 30",
                           timeout=60_000, polling=200)
    started = time.monotonic()
    choose(page, "简体中文")
    # The labels switch while it trains on, from where it was (every label and view is said again: on two
    # busy cores this took seconds).
    expect(page.get_by_role("button", name="暂停", exact=True)).to_be_visible(timeout=60_000)
    print(f"switched to 中文 in {time.monotonic() - started:.1f} s while training")
    switched_at = curve_steps(page)
    page.wait_for_function(f"Bokeh.documents[0].get_model_by_name('curve-train').data.step.at(-1) >= "
                           f"{switched_at + 20}", timeout=60_000, polling=200)
    click(page, "暂停")
    settle(page)
    before = kept(page)
    step = before["playground"]["progress"]["step"]
    history = bokeh_data(page, "curve-train", "step")
    assert history[0] <= 2 and history[-1] == step > switched_at     # one run of curves, never restarted
    assert bokeh_data(page, "curve-train", "loss") == before["history"]["train_loss"]
    expect(status(page)).to_contain_text(f"第 {step} 步")
    for name in ("前向传播", "反向传播", "优化一步", "训练", "重置"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.locator(".bk-tab", has_text="可视化")).to_be_visible()
    assert before["playground"]["language"] == "zh"

    # Back and forth while paused: the same step, weights and curves, the open tab kept.
    page.locator(".bk-tab", has_text="代码单元").click()
    choose(page, "English")
    expect(page.get_by_role("button", name="Forward", exact=True)).to_be_visible()
    choose(page, "简体中文")
    expect(page.get_by_role("button", name="前向传播", exact=True)).to_be_visible()
    settle(page)
    expect(page.locator(".pg-code")).to_be_visible()                     # still on the code cell tab
    page.locator(".bk-tab", has_text="可视化").click()
    page.wait_for_function(f"({KEPT_NOW}).includes('\"language\":\"zh\"')", timeout=20_000, polling=100)
    after = kept(page)
    assert after["playground"]["progress"] == before["playground"]["progress"]
    assert after["playground"]["weights"] == before["playground"]["weights"]
    assert after["history"] == before["history"]
    assert bokeh_data(page, "curve-train", "step") == history
    # The lessons card was collapsed through the switches: opened now, it speaks Chinese too.
    page.get_by_role("button", name="课程：一步一步学 PyTorch").click()
    expect(page.locator(".pg-lesson-run")).to_contain_text("运行并检查")
    expect(page.locator(".pg-lesson-text")).to_contain_text("第 1 步")
    screenshot(page, "80-playground-zh")
    screenshot(page, "80-playground-zh-full", full_page=True)

    page.reload()
    page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
    expect(page.get_by_role("button", name="前向传播", exact=True)).to_be_visible()
    expect(page.locator(".pg-file-message")).to_contain_text(f"第 {step} 步")
    expect(status(page)).to_contain_text(f"第 {step} 步")


def test_a_first_visit_from_a_chinese_browser_opens_in_chinese_from_the_loader_on(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN", service_workers="block")
    watched = Traffic(context)
    python = PythonHeldBack(context)   # until the first screen has been looked at
    try:
        page = context.new_page()
        page.goto(site_url())
        expect(page.locator("#stages li[data-stage='python']")).to_have_text("正在加载 Python…")
        page.wait_for_function("window.playground.timings.firstScreen", timeout=APP_TIMEOUT_MS)
        expect(page.locator("#first-screen .pg-step:visible")).to_contain_text("优化一步")   # built in Chinese
        python.release()
        page.wait_for_function("window.playground.tti", timeout=APP_TIMEOUT_MS)
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        expect(page.get_by_role("button", name="前向传播", exact=True)).to_be_visible()
        expect(page.locator(".pg-language").get_by_role("button", name="简体中文")).to_have_class(re.compile("active"))
        page.get_by_role("button", name="优化一步", exact=True).click()
        expect(status(page)).to_contain_text("第 1 步")
        settle(page)
        screenshot(page, "81-first-visit-zh")
    finally:
        context.close()
    assert watched.problems() == []
